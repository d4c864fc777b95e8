using System.Text.Json;
using Marten;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;
using Wolverine.Tracking;
using LedgerClock = PmoLedger.Infrastructure.Clock;

namespace PmoLedger.Tests.Features.Notifications;

public class RenewalScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 9, 30, 0, TimeSpan.Zero);
    private static readonly Guid Practitioner = Guid.NewGuid();

    private static CertificationAwarded Award(DateOnly renewBy) => new(Guid.NewGuid(), "P3O-F", "P3O Foundation", renewBy.AddYears(-3),
        PmoLedger.Infrastructure.PersonalText.Of(Guid.Empty, "N-1"), renewBy, "axelos-2024", null);

    private static List<(string Kind, TimeSpan Delay)> Scheduled(DateOnly renewBy) =>
        RenewalNotices.Schedule(Practitioner, [Award(renewBy)], Now)
            .Select(s => (((SendRenewalNotice)s.Message).Kind, s.Delay)).ToList();

    [Fact]
    public void a_certification_recorded_inside_the_90_day_window_gets_that_reminder_at_once_and_the_others_on_their_days()
    {
        var renewBy = new DateOnly(2027, 1, 26);   // 61 days ahead
        Scheduled(renewBy).ShouldBe([
            ("renewal-reminder-90", RenewalNotices.Grace),
            ("renewal-reminder-30", LedgerClock.StartOf(renewBy.AddDays(-30)) - Now),
            ("renewal-reminder-7", LedgerClock.StartOf(renewBy.AddDays(-7)) - Now),
            ("certification-expired", LedgerClock.StartOf(renewBy).AddHours(1) - Now)
        ]);
    }

    [Fact]
    public void inside_the_30_day_window_only_the_tightest_begun_reminder_goes_at_once()
    {
        var renewBy = new DateOnly(2026, 12, 16);   // 20 days ahead
        Scheduled(renewBy).Select(s => s.Kind).ShouldBe(["renewal-reminder-30", "renewal-reminder-7", "certification-expired"]);
        Scheduled(renewBy)[0].Delay.ShouldBe(RenewalNotices.Grace);
    }

    [Fact]
    public void far_from_renew_by_every_reminder_waits_for_its_day_and_a_lapsed_date_schedules_nothing()
    {
        Scheduled(new DateOnly(2029, 11, 26)).ShouldAllBe(s => s.Delay > TimeSpan.Zero);
        Scheduled(new DateOnly(2029, 11, 26)).Count.ShouldBe(4);
        Scheduled(new DateOnly(2026, 11, 26)).ShouldBeEmpty();
    }

    [Fact]
    public void the_mail_gives_en_gb_dates_the_figures_and_a_link_in_text_and_html()
    {
        var notice = new RenewalNotice("renewal-reminder-30", "x", "P3O Foundation", "P3O-F", new DateOnly(2027, 3, 1), 30,
            [new PeriodNeed(new DateOnly(2026, 3, 1), new DateOnly(2027, 2, 28), 6m,
                new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalExperience] = 5m })]);
        var (subject, text, html) = RenewalNoticeMail.Compose(notice, "Grace <Hopper>", "https://ledger.example.org/");
        subject.ShouldBe("Your P3O Foundation (P3O-F) must be renewed by 1 March 2027");
        text.ShouldContain("- 1 March 2026 to 28 February 2027: 6 points, of which 5 points of professional-experience.");
        text.ShouldContain("https://ledger.example.org/me/cpd");
        html.ShouldContain("Grace &lt;Hopper&gt;");
        html.ShouldContain("<li>1 March 2026 to 28 February 2027: 6 points");
    }
}

public class RenewalNoticeTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private AppFixture Fixture { get; } = fixture;

    private async Task<List<JsonElement>> Notifications(Guid id, string? token = null) =>
        (await Get<JsonElement>($"/api/practitioners/{id}/notifications", token)).GetProperty("items").EnumerateArray().ToList();

    private Task Fire(Guid id, Guid certificationId, DateOnly renewBy, string kind) =>
        Host.InvokeMessageAndWaitAsync(new SendRenewalNotice(id, certificationId, renewBy, kind));

    private async Task<(Guid Id, string Email, Guid CertificationId, DateOnly RenewBy)> CertifiedTwoYearsTenMonthsAgo()
    {
        var email = $"grace.{Guid.NewGuid():N}@example.org";
        var id = await RegisterPractitioner("Grace Hopper", email);
        var awardedOn = Clock.Today.AddYears(-3).AddMonths(2);
        await LogCpd(id, "professional-education", 12, awardedOn.AddMonths(1));
        await LogCpd(id, "professional-experience", 3, awardedOn.AddMonths(2));
        var certificationId = await Award(id, "P3O-F", awardedOn, name: "P3O Foundation");
        return (id, email, certificationId, CertificationRules.RenewByFrom(awardedOn));
    }

    [Fact]
    public async Task a_certification_awarded_2_years_10_months_ago_gets_its_90_day_reminder_at_once_with_the_cpd_ledgers_figures()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();

        // Durable scheduled messages: the 90-day reminder at once (after the grace minute), the 30-day one on the first
        // day of its window. The test then delivers the first itself: it waits for the message, not for the minute.
        await using (var session = Store.QuerySession())
        {
            var due = (await session.QueryAsync<DateTimeOffset>(
                "select execution_time from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%SendRenewalNotice'")).ToList();
            var wall = TimeProvider.System.GetUtcNow();
            due.ShouldContain(d => Math.Abs((d - (wall + RenewalNotices.Grace)).TotalSeconds) < 30);
            due.ShouldContain(d => Math.Abs((d - (wall + (LedgerClock.StartOf(renewBy.AddDays(-30)) - Clock.GetUtcNow()))).TotalSeconds) < 30);
        }
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        var sent = (await Notifications(id)).ShouldHaveSingleItem();
        sent.Str("kind").ShouldBe("renewal-reminder-90");
        sent.Str("about").ShouldBe($"{certificationId}/{renewBy:yyyy-MM-dd}");

        var mail = MailsTo(email).ShouldHaveSingleItem();
        mail.Subject.ShouldBe($"Your P3O Foundation (P3O-F) must be renewed by {RenewalNoticeMail.Date(renewBy)}");
        mail.HtmlBody.ShouldNotBeNull().ShouldContain("<a href=");
        mail.TextBody.ShouldNotBeNull().ShouldContain("/me/cpd");
        // The figures are the CPD ledger's: the minimum less what each unmet period counts.
        var cycle = (await Ledger(id)).GetProperty("cycles").EnumerateArray().Single();
        foreach (var period in cycle.GetProperty("periods").EnumerateArray().Where(p => !p.GetProperty("met").GetBoolean()))
        {
            var start = DateOnly.Parse(period.Str("start"));
            var end = DateOnly.Parse(period.Str("end"));
            var counted = period.GetProperty("countedPoints").GetDecimal();
            mail.TextBody.ShouldContain($"- {RenewalNoticeMail.Date(start)} to {RenewalNoticeMail.Date(end)}: {20 - counted:0.#} points");
        }
        mail.TextBody.ShouldContain("of which 2 points of professional-experience");

        Entries(await TimelineOf(id), "notification-sent").Single().Str("summary")
            .ShouldBe("Sent the 90-day renewal reminder about P3O Foundation (P3O-F) by email.");

        // On that day it is sent; a second delivery of the same message sends nothing more.
        Today(renewBy.AddDays(-30));
        await Fire(id, certificationId, renewBy, "renewal-reminder-30");
        await Fire(id, certificationId, renewBy, "renewal-reminder-30");
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["renewal-reminder-90", "renewal-reminder-30"]);
        MailsTo(email).Count.ShouldBe(2);
        (await Notifications(id, AuditorToken)).Count.ShouldBe(2);
        await As(PractitionerToken(Guid.NewGuid()), s => { s.Get.Url($"/api/practitioners/{id}/notifications"); s.StatusCodeShouldBe(403); });
    }

    [Fact]
    public async Task renewing_makes_the_reminders_still_scheduled_record_nothing()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        // Renewed (an exam pass in the final year): renewBy moves three years on.
        await Append(id, new CertificationRenewed(certificationId, "P3O-F", RenewalBasis.ExamPass, Clock.Today, renewBy,
            CertificationRules.RenewByFrom(renewBy), PmoLedger.Features.Cpd.CpdRuleSet.Current.Version, null, AfterExpiry: false));

        Today(renewBy.AddDays(-7));
        await Fire(id, certificationId, renewBy, "renewal-reminder-7");
        Today(renewBy);
        await Fire(id, certificationId, renewBy, "certification-expired");
        (await Notifications(id)).Count.ShouldBe(1);
        MailsTo(email).Count.ShouldBe(1);
    }

    [Fact]
    public async Task two_deliveries_at_the_same_moment_send_once()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-7));
        // Two handlers at once, as two nodes would run them: the second waits for the first and finds the reason recorded.
        var message = new SendRenewalNotice(id, certificationId, renewBy, "renewal-reminder-7");
        using var first = Host.Services.CreateScope();
        using var second = Host.Services.CreateScope();
        await Task.WhenAll(first.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(message),
            second.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync(message));
        (await Notifications(id)).Count(n => n.Str("kind") == "renewal-reminder-7").ShouldBe(1);
        MailsTo(email).Count.ShouldBe(2);
    }

    [Fact]
    public async Task a_notice_another_delivery_is_sending_waits_for_it_and_a_claim_left_by_a_crash_lapses()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-30));
        // Another delivery holds the claim, as while it talks to the mail server.
        var claim = $"{id}/{NotificationSent.Key("renewal-reminder-30", RenewalNotices.About(certificationId, renewBy))}";
        await using (var session = Store.LightweightSession())
        {
            session.QueueSqlCommand($"insert into ledger.{NoticeClaims.Table} (claim, until) values (?, ?)", claim, Clock.GetUtcNow() + NoticeSender.Lease);
            await session.SaveChangesAsync();
        }
        var notice = new SendRenewalNotice(id, certificationId, renewBy, "renewal-reminder-30");
        var tracked = await Host.InvokeMessageAndWaitAsync(notice);
        (await Notifications(id)).Count.ShouldBe(1);
        MailsTo(email).Count.ShouldBe(1);
        // It looks again a minute later, when the holder has recorded the notice or its claim has lapsed.
        var lookAgain = tracked.Scheduled.SingleEnvelope<SendRenewalNotice>();
        lookAgain.Message.ShouldBe(notice);
        lookAgain.ScheduleDelay.ShouldBe(TimeSpan.FromMinutes(1));

        // The holder died mid-send: once its claim has lapsed, the next delivery sends, records and drops the claim.
        Clock.Offset += NoticeSender.Lease;
        await Fire(id, certificationId, renewBy, "renewal-reminder-30");
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["renewal-reminder-90", "renewal-reminder-30"]);
        MailsTo(email).Count.ShouldBe(2);
        await using var read = Store.QuerySession();
        (await read.QueryAsync<int>($"select count(*)::int from ledger.{NoticeClaims.Table} where claim = ?", claim)).Single().ShouldBe(0);
    }

    [Fact]
    public async Task a_notice_another_delivery_records_between_the_read_and_the_claim_is_not_sent_again()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-30));
        var message = new SendRenewalNotice(id, certificationId, renewBy, "renewal-reminder-30");
        var reads = 0;
        var outcome = await Host.Services.GetRequiredService<NoticeSender>().SendOnceAsync<Practitioner>(message, id, async (_, practitioner) =>
        {
            if (RenewalNotices.Decide(practitioner, message, Clock.Today) is not { } notice) return null;
            if (++reads == 1)
            {
                // The other delivery finishes right after this read: it records the notice and drops its claim.
                await using var other = Store.LightweightSession();
                other.Events.Append(id, new NotificationSent(notice.Kind, notice.About, Clock.GetUtcNow()));
                await other.SaveChangesAsync();
            }
            return new DueNotice(notice.Kind, notice.About, [new Mail(email, "renewal", "text", "<p>html</p>")]);
        }, CancellationToken.None);

        outcome.ShouldBeEmpty();
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["renewal-reminder-90", "renewal-reminder-30"]);
        MailsTo(email).Count.ShouldBe(1);
        await using var read = Store.QuerySession();
        (await read.QueryAsync<int>($"select count(*)::int from ledger.{NoticeClaims.Table} where claim like ?", $"{id}/%")).Single().ShouldBe(0);
    }

    [Fact]
    public async Task the_expiry_notice_goes_on_the_day_it_expires()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-1));
        await Fire(id, certificationId, renewBy, "certification-expired");
        (await Notifications(id)).Count.ShouldBe(1);   // not expired yet

        Today(renewBy);
        await Fire(id, certificationId, renewBy, "certification-expired");
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["renewal-reminder-90", "certification-expired"]);
        MailsTo(email).Last().Subject.ShouldBe($"Your P3O Foundation (P3O-F) expired on {RenewalNoticeMail.Date(renewBy)}");
    }

    [Fact]
    public async Task an_erased_practitioner_gets_nothing_more_and_no_notification_event_holds_their_address()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        await As(AdminToken, s => { s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{id}/erase"); s.StatusCodeShouldBe(204); });

        Today(renewBy.AddDays(-30));
        await Fire(id, certificationId, renewBy, "renewal-reminder-30");
        (await Notifications(id)).Count.ShouldBe(1);
        MailsTo(email).Count.ShouldBe(1);

        await using var session = Store.QuerySession();
        var rows = await session.QueryAsync<string>(
            "select data::text from ledger.mt_events where stream_id = ? and type = 'notification_sent'", id);
        rows.ShouldHaveSingleItem().ShouldNotContain(email);
        var export = await (await As(AuditorToken, s => s.Get.Url("/api/audit/events?limit=10000"))).ReadAsTextAsync();
        export.ShouldNotContain(email);
    }

    [Fact]
    public async Task a_failed_send_records_nothing_and_the_retry_sends_it()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-30));

        await using (await MailDown())
        {
            await Should.ThrowAsync<IOException>(() => Host.Services.CreateScope().ServiceProvider.GetRequiredService<IMessageBus>()
                .InvokeAsync(new SendRenewalNotice(id, certificationId, renewBy, "renewal-reminder-30")));
            (await Notifications(id)).Count.ShouldBe(1);
        }

        await Fire(id, certificationId, renewBy, "renewal-reminder-30");
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["renewal-reminder-90", "renewal-reminder-30"]);
        MailsTo(email).Count.ShouldBe(2);
    }

    /// <summary>
    /// Until disposed, the pickup folder cannot be created (a file is in its way): sends fail, as with a mail server down.
    /// </summary>
    private async Task<IAsyncDisposable> MailDown()
    {
        var aside = Fixture.MailDirectory + ".aside";
        Directory.Move(Fixture.MailDirectory, aside);
        await File.WriteAllTextAsync(Fixture.MailDirectory, "in the way");
        return new Restore(() =>
        {
            File.Delete(Fixture.MailDirectory);
            Directory.Move(aside, Fixture.MailDirectory);
        });
    }

    private sealed class Restore(Action restore) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            restore();
            return ValueTask.CompletedTask;
        }
    }

    private static async Task<int> Sql(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(TestDatabases.ApiTests);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync() ?? 0);
    }

    [Fact]
    public async Task a_send_that_fails_every_retry_is_shown_to_admins_and_recorded_nowhere()
    {
        var (id, email, certificationId, renewBy) = await CertifiedTwoYearsTenMonthsAgo();
        await Fire(id, certificationId, renewBy, "renewal-reminder-90");
        Today(renewBy.AddDays(-30));

        await using (await MailDown())
        {
            // The stored 30-day reminder falls due; each scheduled retry (a minute, ten minutes, an hour on) is made due
            // in turn, as time passing would, until Wolverine gives up on it. The two quick retries are its own pauses.
            const string reminder = "from ledger.wolverine_incoming_envelopes where message_type like '%SendRenewalNotice' " +
                                    "and status = 'Scheduled' and position('renewal-reminder-30'::bytea in body) > 0";
            (await Sql("select count(*) " + reminder)).ShouldBe(1);
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (await Sql("select count(*) from ledger.wolverine_dead_letters") == 0 && DateTime.UtcNow < deadline)
            {
                await Sql("update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' where id in (select id " + reminder + ")");
                await Task.Delay(200);
            }
        }

        var failed = (await Get<JsonElement>("/api/admin/notifications/failed", AdminToken)).GetProperty("items").EnumerateArray().ToList();
        var item = failed.ShouldHaveSingleItem();
        item.Str("messageType").ShouldBe("SendRenewalNotice");
        item.GetProperty("message").Str("kind").ShouldBe("renewal-reminder-30");
        item.GetProperty("message").GetProperty("practitionerId").GetGuid().ShouldBe(id);
        item.Str("exceptionType").ShouldContain("IOException");
        (await Notifications(id)).Count.ShouldBe(1);
        MailsTo(email).Count.ShouldBe(1);
        await As(AuditorToken, s => { s.Get.Url("/api/admin/notifications/failed"); s.StatusCodeShouldBe(403); });
    }
}

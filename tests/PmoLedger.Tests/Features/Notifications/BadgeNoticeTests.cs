using System.Text.Json;
using Marten;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Notifications;
using PmoLedger.Features.Practitioners;
using Wolverine.Tracking;

namespace PmoLedger.Tests.Features.Notifications;

public class BadgeNoticeDecisionTests
{
    private static readonly Guid PersonId = Guid.NewGuid();
    private static readonly Practitioner Person = new() { Id = PersonId, FullName = "Grace Hopper", Email = "grace@example.org" };

    private static readonly IssuedCredential Credential = new()
    {
        Id = Guid.NewGuid(), PractitionerId = PersonId, Name = "P3O Foundation", ValidFrom = new DateOnly(2026, 3, 1), ValidUntil = new DateOnly(2029, 3, 1)
    };

    private static readonly SendBadgeNotice Message = new(PersonId, Credential.Id);

    [Fact]
    public void a_credential_issued_to_the_person_is_announced_once()
    {
        var notice = BadgeNotices.Decide(Person, Credential, Message).ShouldNotBeNull();
        notice.Kind.ShouldBe("new-badge");
        notice.About.ShouldBe(Credential.Id.ToString("D"));

        var told = Person.Then([new NotificationSent(notice.Kind, notice.About, DateTimeOffset.UnixEpoch)]);
        BadgeNotices.Decide(told, Credential, Message).ShouldBeNull();
    }

    [Fact]
    public void nothing_for_an_erased_person_a_revoked_credential_someone_elses_or_a_stopped_kind()
    {
        BadgeNotices.Decide(Person with { Erased = true }, Credential, Message).ShouldBeNull();
        BadgeNotices.Decide(null, Credential, Message).ShouldBeNull();
        BadgeNotices.Decide(Person, null, Message).ShouldBeNull();
        BadgeNotices.Decide(Person, new IssuedCredential { Id = Credential.Id, PractitionerId = PersonId, RevokedOn = new DateOnly(2026, 4, 1) }, Message)
            .ShouldBeNull();
        BadgeNotices.Decide(Person, new IssuedCredential { Id = Credential.Id, PractitionerId = Guid.NewGuid() }, Message).ShouldBeNull();

        var stopped = Person.Then([new NoticesStopped("new-badge", DateTimeOffset.UnixEpoch)]);
        BadgeNotices.Decide(stopped, Credential, Message).ShouldBeNull();
        BadgeNotices.Decide(stopped.Then([new NoticesResumed("new-badge", DateTimeOffset.UnixEpoch)]), Credential, Message).ShouldNotBeNull();
    }

    [Fact]
    public void stopping_and_resuming_record_only_a_change_and_never_touch_the_notices_the_scheme_requires()
    {
        var now = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
        NoticePreferences.Decide(Person, "new-badge", send: true, now).ShouldBeEmpty();
        NoticePreferences.Decide(Person, "new-badge", send: false, now).ShouldBe([new NoticesStopped("new-badge", now)]);
        var stopped = Person.Then(NoticePreferences.Decide(Person, "new-badge", send: false, now));
        NoticePreferences.Decide(stopped, "new-badge", send: false, now).ShouldBeEmpty();
        NoticePreferences.Decide(stopped, "new-badge", send: true, now).ShouldBe([new NoticesResumed("new-badge", now)]);
        foreach (var required in new[] { "renewal-reminder-90", "certification-expired", "cpd-audit-selected", "cpd-audit-outcome" })
            NoticePreferences.Decide(Person, required, send: false, now).ShouldBeEmpty();
    }

    [Fact]
    public void the_mail_gives_the_share_link_en_gb_dates_and_the_stop_link_in_text_and_html()
    {
        var notice = BadgeNotices.Decide(Person, Credential, Message)!;
        var (subject, text, html) = BadgeNotices.Compose(notice, "Grace <Hopper>", "https://ledger.example.org/", "https://ledger.example.org/notifications/stop?x=1&y=2");
        subject.ShouldBe("You have a new badge: P3O Foundation");
        text.ShouldContain("\"P3O Foundation\", valid from 1 March 2026 until 1 March 2029.");
        text.ShouldContain($"https://ledger.example.org/credentials/{Credential.Id:D}");
        text.ShouldContain("Stop these notices: https://ledger.example.org/notifications/stop?x=1&y=2");
        html.ShouldContain("Grace &lt;Hopper&gt;");
        html.ShouldContain($"<a href=\"https://ledger.example.org/credentials/{Credential.Id:D}\">Your new badge</a>");
        html.ShouldContain("<a href=\"https://ledger.example.org/notifications/stop?x=1&amp;y=2\">Stop these notices</a>");
    }
}

/// <summary>
/// The notice as it really goes: the credential's commit, the subscription relaying it to a durable scheduled message,
/// the scheduled message made due in its table (not waited for), the handler sending and recording it.
/// </summary>
public class BadgeNoticeTests(AppFixture fixture) : ProgressionContext(fixture)
{
    private const string Pending = "from ledger.wolverine_incoming_envelopes where message_type like '%SendBadgeNotice' and status <> 'Handled'";

    private async Task<List<JsonElement>> Notifications(Guid id) =>
        (await Get<JsonElement>($"/api/practitioners/{id}/notifications")).GetProperty("items").EnumerateArray().ToList();

    private async Task<int> Count(string sql, Guid credentialId)
    {
        await using var session = Store.QuerySession();
        return (await session.QueryAsync<int>($"select count(*)::int {sql} and position(convert_to(?, 'UTF8') in body) > 0", credentialId.ToString("D"))).Single();
    }

    private async Task Until(Func<Task<bool>> condition, string because)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, because);
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the relay to schedule the credential's notice, makes it due at once, and waits for it to be handled.</summary>
    private async Task DeliverScheduledNotice(Guid credentialId)
    {
        await Until(async () => await Count(Pending + " and status = 'Scheduled'", credentialId) == 1, "the credential's notice was never scheduled");
        await using (var session = Store.LightweightSession())
        {
            session.QueueSqlCommand("update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' " +
                                    "where message_type like '%SendBadgeNotice' and position(convert_to(?, 'UTF8') in body) > 0", credentialId.ToString("D"));
            await session.SaveChangesAsync();
        }
        await Until(async () => await Count(Pending, credentialId) == 0, "the credential's notice was never handled");
    }

    private async Task<(Guid Id, string Email, Guid CertificationId, Guid CredentialId)> Certified(string? email = null)
    {
        email ??= $"grace.{Guid.NewGuid():N}@example.org";
        var id = await RegisterPractitioner("Grace Hopper", email);
        var certificationId = await Award(id, "P3O-F", Clock.Today.AddMonths(-2), name: "P3O Foundation");
        IssuedCredential? credential = null;
        await Until(async () =>
        {
            await using var session = Store.QuerySession();
            credential = await session.Query<IssuedCredential>().SingleOrDefaultAsync(c => c.PractitionerId == id);
            return credential is not null;
        }, "no credential was issued for the award");
        return (id, email, certificationId, credential!.Id);
    }

    [Fact]
    public async Task an_issued_credential_is_announced_once_with_its_share_link_and_recorded()
    {
        var (id, email, _, credentialId) = await Certified();
        await DeliverScheduledNotice(credentialId);

        var sent = (await Notifications(id)).ShouldHaveSingleItem();
        sent.Str("kind").ShouldBe("new-badge");
        sent.Str("about").ShouldBe(credentialId.ToString("D"));
        var mail = MailsTo(email).ShouldHaveSingleItem();
        mail.Subject.ShouldBe("You have a new badge: P3O Foundation (P3O-F)");
        mail.TextBody.ShouldNotBeNull().ShouldContain($"/credentials/{credentialId:D}");
        mail.HtmlBody.ShouldNotBeNull().ShouldContain($"/credentials/{credentialId:D}\">Your new badge</a>");
        mail.TextBody.ShouldContain("Stop these notices: ");

        // Delivered again (a redelivery, another node): the reason is on record, nothing more goes.
        await Host.InvokeMessageAndWaitAsync(new SendBadgeNotice(id, credentialId));
        (await Notifications(id)).Count.ShouldBe(1);
        MailsTo(email).Count.ShouldBe(1);
        (await TimelineOf(id)).GetProperty("entries").EnumerateArray().Select(e => e.Str("summary"))
            .ShouldContain("Sent the new badge notice about \"P3O Foundation (P3O-F)\" by email.");
    }

    [Fact]
    public async Task a_credential_revoked_before_its_notice_goes_and_an_erased_practitioner_get_nothing()
    {
        var (id, email, certificationId, credentialId) = await Certified();
        await As(AdminToken, s =>
        {
            s.Post.Json(new { reason = "Awarded to the wrong person" }).ToUrl($"/api/certifications/{certificationId}/revoke");
            s.StatusCodeShouldBe(204);
        });
        await DeliverScheduledNotice(credentialId);
        (await Notifications(id)).ShouldBeEmpty();
        MailsTo(email).ShouldBeEmpty();

        var (erasedId, erasedEmail, _, erasedCredential) = await Certified();
        await As(AdminToken, s => { s.Post.Json(new { reason = "Subject's request" }).ToUrl($"/api/practitioners/{erasedId}/erase"); s.StatusCodeShouldBe(204); });
        await DeliverScheduledNotice(erasedCredential);
        (await Notifications(erasedId)).ShouldBeEmpty();
        MailsTo(erasedEmail).ShouldBeEmpty();
    }

    [Fact]
    public async Task the_stop_link_in_the_mail_stops_the_next_badge_notices_and_is_on_the_record()
    {
        var (id, email, _, credentialId) = await Certified();
        await DeliverScheduledNotice(credentialId);
        var stop = MailsTo(email).Single().TextBody!.Split('\n').Single(l => l.StartsWith("Stop these notices: ")).Split(": ")[1].Trim();
        var path = new Uri(stop).PathAndQuery;

        // Altered, the link is refused and stops nothing.
        await Host.Scenario(s => { s.Get.Url(path.Replace("kind=new-badge", "kind=renewal-reminder-90")); s.StatusCodeShouldBe(404); });
        await Host.Scenario(s => { s.Get.Url(path.Replace($"practitioner%3A{id:D}", $"practitioner%3A{Guid.NewGuid():D}")); s.StatusCodeShouldBe(404); });
        var page = await Host.Scenario(s => { s.Get.Url(path); s.StatusCodeShouldBe(200); });
        (await page.ReadAsTextAsync()).ShouldContain("You will no longer receive these notices.");
        // A second click changes nothing more.
        await Host.Scenario(s => { s.Get.Url(path); s.StatusCodeShouldBe(200); });

        var entries = (await TimelineOf(id)).GetProperty("entries").EnumerateArray().Where(e => e.Str("kind") == "notices-stopped").ToList();
        entries.ShouldHaveSingleItem().Str("summary").ShouldBe("Stopped the new badge notices by email.");

        // A new credential (a second certification) is not announced; the legally needed renewal notices still go.
        var second = await Award(id, "MSP-F", Clock.Today.AddYears(-3).AddMonths(2), name: "MSP Foundation");
        await using (var session = Store.QuerySession())
        {
            var credential = (await session.Query<IssuedCredential>().Where(c => c.PractitionerId == id && c.Id != credentialId).ToListAsync()).Single();
            await DeliverScheduledNotice(credential.Id);
        }
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["new-badge"]);
        await Host.InvokeMessageAndWaitAsync(new SendRenewalNotice(id, second, PmoLedger.Features.Certifications.CertificationRules.RenewByFrom(Clock.Today.AddYears(-3).AddMonths(2)), "renewal-reminder-90"));
        (await Notifications(id)).Select(n => n.Str("kind")).ShouldBe(["new-badge", "renewal-reminder-90"]);
        MailsTo(email).Count.ShouldBe(2);
    }
}

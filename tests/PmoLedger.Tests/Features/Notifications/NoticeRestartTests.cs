using System.Text.Json;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Notifications;

/// <summary>
/// A scheduled notice outlives the service that scheduled it. On a database of its own, so that the suite's service
/// (running all along) cannot be the one that sends it.
/// </summary>
public class NoticeRestartTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private static async Task<int> Sql(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt32(await command.ExecuteScalarAsync() ?? 0);
    }

    private static Task<IScenarioResult> AsAdmin(IAlbaHost host, Action<Scenario> configure) => host.Scenario(s =>
    {
        s.WithBearerToken(host.Services.GetRequiredService<AuthSettings>().Mint(Roles.Admin, null, "admin@test", DateTimeOffset.UtcNow));
        configure(s);
    });

    // The award's badge notice may go too, a minute on: only the reminders count here.
    private static async Task<int> NotificationCount(IAlbaHost host, Guid id) =>
        (await (await AsAdmin(host, s => s.Get.Url($"/api/practitioners/{id}/notifications"))).ReadAsJsonAsync<JsonElement>())
        .GetProperty("items").EnumerateArray().Count(n => n.GetProperty("kind").GetString()!.StartsWith("renewal-reminder-", StringComparison.Ordinal));

    private const string DueReminder =
        "from ledger.wolverine_incoming_envelopes where message_type like '%SendRenewalNotice' and execution_time < now() + interval '10 minutes'";

    [Fact]
    public Task a_reminder_scheduled_before_a_restart_is_sent_once_by_the_service_started_after_it() => PmoLedger.Tests.Hosting.LedgerNodes.OnOwnDatabases(RestartAndSend);

    private static async Task<Guid> Register(IAlbaHost host, string email)
    {
        var registered = await AsAdmin(host, s =>
        {
            s.Post.Json(new { fullName = "Grace Hopper", email }).ToUrl("/api/practitioners");
            s.StatusCodeShouldBe(201);
        });
        return (await registered.ReadAsJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static Task Award(IAlbaHost host, Guid id, DateOnly awardedOn) => AsAdmin(host, s =>
    {
        s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn, certificateNumber = "C-1" }).ToUrl($"/api/practitioners/{id}/certifications");
        s.StatusCodeShouldBe(201);
    });

    private async Task RestartAndSend()
    {
        var connection = await TestDatabases.Fresh("_restart");
        var clock = new TestClock();
        var email = $"restart.{Guid.NewGuid():N}@example.org";
        Guid id;

        await using (var before = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock))
        {
            id = await Register(before, email);
            await Award(before, id, clock.Today.AddYears(-3).AddMonths(2));
            // The 90-day reminder is due a minute after the award: the service stops before then.
            (await Sql(connection, "select count(*) " + DueReminder)).ShouldBe(1);
        }

        await using var after = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock);
        (await Sql(connection, "select count(*) " + DueReminder)).ShouldBe(1);
        await Sql(connection, "update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' " +
                              "where id in (select id " + DueReminder + ")");

        // Waits for the new service to deliver it (its durability agent polls), never for a span of time as such.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await NotificationCount(after, id) == 0 || await Sql(connection, "select count(*) " + DueReminder) > 0) && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        (await NotificationCount(after, id)).ShouldBe(1);
        MailsTo(email).Where(m => m.Subject?.StartsWith("You have a new badge", StringComparison.Ordinal) != true).ShouldHaveSingleItem()
            .Subject.ShouldStartWith("Your P3O Foundation (P3O-F) must be renewed by");
    }

    private const string BadgeNotice = "from ledger.wolverine_incoming_envelopes where message_type like '%SendBadgeNotice' and status <> 'Handled'";

    [Fact]
    public async Task a_badge_notice_for_a_credential_issued_just_before_a_restart_is_sent_once_by_the_service_started_after_it()
    {
        try
        {
            var connection = await TestDatabases.Fresh("_restart_badge");
            var clock = new TestClock();
            var email = $"badge.{Guid.NewGuid():N}@example.org";
            Guid id;

            // Stopped straight after the award commits its credential: the relay may or may not have scheduled the
            // notice yet. Either way the next service must send it, once.
            await using (var before = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock))
            {
                id = await Register(before, email);
                // The relay's first run in a new database pins its start (older credentials are not announced): the
                // award comes after it, as in any running service.
                var started = DateTime.UtcNow.AddSeconds(60);
                while (await Sql(connection, "select count(*) from ledger.mt_event_progression where name like 'BadgeNoticeRelay%'") == 0
                       && DateTime.UtcNow < started)
                    await Task.Delay(100);
                await Award(before, id, clock.Today.AddMonths(-2));
            }

            await using var after = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await Sql(connection, "select count(*) " + BadgeNotice) == 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            (await Sql(connection, "select count(*) " + BadgeNotice)).ShouldBe(1);
            await Sql(connection, "update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' " +
                                  "where id in (select id " + BadgeNotice + ")");

            while (await Sql(connection, "select count(*) " + BadgeNotice) > 0 && DateTime.UtcNow < deadline) await Task.Delay(100);
            var kinds = (await (await AsAdmin(after, s => s.Get.Url($"/api/practitioners/{id}/notifications"))).ReadAsJsonAsync<JsonElement>())
                .GetProperty("items").EnumerateArray().Select(n => n.GetProperty("kind").GetString()).ToList();
            kinds.Count(k => k == "new-badge").ShouldBe(1);
            MailsTo(email).Count(m => m.Subject == "You have a new badge: P3O Foundation (P3O-F)").ShouldBe(1);
        }
        finally
        {
            Environment.SetEnvironmentVariable("ConnectionStrings__Ledger", TestDatabases.ApiTests);
        }
    }
}

using System.Text.Json;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>
/// An audit's dueBy message outlives the service that scheduled it: opened on one service, overdue on the next. On a
/// database of its own, so that the suite's service (running all along) cannot be the one that records it.
/// </summary>
public class CpdAuditRestartTests(AppFixture fixture) : IntegrationContext(fixture)
{
    private const string DueMessage = "from ledger.wolverine_incoming_envelopes where status = 'Scheduled' and message_type like '%CpdAuditDue'";

    private static async Task<int> Sql(string connection, string sql)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return Convert.ToInt32(await command.ExecuteScalarAsync() ?? 0);
    }

    private static Task<IScenarioResult> As(IAlbaHost host, string role, Guid? practitionerId, Action<Scenario> configure) => host.Scenario(s =>
    {
        s.WithBearerToken(host.Services.GetRequiredService<AuthSettings>().Mint(role, practitionerId, $"{role}@test", DateTimeOffset.UtcNow));
        configure(s);
    });

    private static async Task<JsonElement> Audit(IAlbaHost host, Guid id) =>
        (await (await As(host, Roles.Practitioner, id, s => s.Get.Url($"/api/practitioners/{id}/cpd-audits"))).ReadAsJsonAsync<JsonElement>())[0];

    [Fact]
    public Task overdue_is_recorded_by_the_service_started_after_the_one_that_opened_the_audit() => PmoLedger.Tests.Hosting.LedgerNodes.OnOwnDatabases(OpenThenRestart);

    private static async Task OpenThenRestart()
    {
        var connection = await TestDatabases.Fresh("_auditrestart");
        var clock = new TestClock();
        var activityOn = clock.Today.AddDays(-30);
        Guid id;

        await using (var before = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock))
        {
            var registered = await As(before, Roles.Admin, null, s =>
            {
                s.Post.Json(new { fullName = "Ada Lovelace", email = $"audit.restart.{Guid.NewGuid():N}@example.org" }).ToUrl("/api/practitioners");
                s.StatusCodeShouldBe(201);
            });
            id = (await registered.ReadAsJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            await As(before, Roles.Admin, null, s =>
            {
                s.Post.Json(new { code = "P3O-F", name = "P3O Foundation", awardedOn = clock.Today.AddYears(-1), certificateNumber = "C-1" })
                    .ToUrl($"/api/practitioners/{id}/certifications");
                s.StatusCodeShouldBe(201);
            });
            await As(before, Roles.Practitioner, id, s =>
            {
                s.Post.Json(new
                {
                    category = "professional-experience", points = 15, title = "Ran the portfolio review",
                    reflection = "What I learned and how I will use it at work.", occurredOn = activityOn
                }).ToUrl($"/api/practitioners/{id}/cpd");
                s.StatusCodeShouldBe(201);
            });
            await As(before, Roles.Auditor, null, s =>
            {
                s.Post.Json(new { name = "Spot check", periodFrom = activityOn, periodTo = activityOn, sampleSize = 1, responseDays = 1 })
                    .ToUrl("/api/audit/cpd-campaigns");
                s.StatusCodeShouldBe(201);
            });
            (await Sql(connection, "select count(*) " + DueMessage)).ShouldBe(1);
            (await Audit(before, id)).GetProperty("overdue").GetBoolean().ShouldBeFalse();
        }

        // The day passes while no service runs: the ledger's clock moves past dueBy, and the stored message falls due.
        clock.Offset += TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1);
        await using var after = await PmoLedger.Tests.Hosting.LedgerNodes.Start(connection, solo: true, clock);
        (await Sql(connection, "select count(*) " + DueMessage)).ShouldBe(1);
        await Sql(connection, "update ledger.wolverine_incoming_envelopes set execution_time = now() - interval '1 second' " +
                              "where id in (select id " + DueMessage + ")");

        // Waits for the new service to record it (its durability agent polls), never for a span of time as such.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(await Audit(after, id)).GetProperty("overdue").GetBoolean() && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        var audit = await Audit(after, id);
        audit.GetProperty("overdue").GetBoolean().ShouldBeTrue();
        audit.GetProperty("state").GetString().ShouldBe("overdue");
        (await Sql(connection, "select count(*) from ledger.mt_events where type = 'cpd_audit_overdue'")).ShouldBe(1);
    }
}

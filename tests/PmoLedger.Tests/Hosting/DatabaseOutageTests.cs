using System.Diagnostics;
using Alba;
using Marten;
using Marten.Events;
using Npgsql;

namespace PmoLedger.Tests.Hosting;

/// <summary>PostgreSQL goes away under a running service and comes back: 503s meanwhile, no restart after.</summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task while_postgresql_is_unreachable_requests_get_503_with_retry_after_and_the_service_recovers_by_itself()
    {
        var direct = await TestDatabases.Fresh("_outage");
        var database = new NpgsqlConnectionStringBuilder(direct);
        await using var gate = new DatabaseGate(database.Host!, database.Port);
        database.Host = "127.0.0.1";
        database.Port = gate.Port;
        await using var host = await LedgerNodes.Start(database.ConnectionString, solo: true);
        var admin = host.AdminToken();

        var before = (await (await Register(host, admin, 201)).Json()).GetProperty("id").GetGuid();

        gate.Close();
        foreach (var refused in new[]
                 {
                     await Register(host, admin, 503),
                     await host.Scenario(s => { s.WithBearerToken(admin); s.Get.Url($"/api/practitioners/{before}"); s.StatusCodeShouldBe(503); })
                 })
        {
            refused.Context.Response.Headers.RetryAfter.ToString().ShouldBe("5");
            refused.Context.Response.ContentType.ShouldNotBeNull().ShouldStartWith("application/problem+json");
            var problem = await refused.Json();
            problem.GetProperty("status").GetInt32().ShouldBe(503);
            problem.Str("detail").ShouldContain("database cannot be reached");
        }

        (await host.Scenario(s => { s.Get.Url("/health/ready"); s.StatusCodeShouldBe(503); })).Context.Response.StatusCode.ShouldBe(503);
        await host.Scenario(s => { s.Get.Url("/health/live"); s.StatusCodeShouldBe(200); });

        gate.Open();
        // Recovery is the service's own doing: the same host, no restart. Wait for the condition, not a time.
        var watch = Stopwatch.StartNew();
        while ((await Register(host, admin, null)).Context.Response.StatusCode != 201)
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the service did not recover after the database came back");
            await Task.Delay(200);
        }
        (await host.Scenario(s => { s.WithBearerToken(admin); s.Get.Url($"/api/practitioners/{before}"); })).Context.Response.StatusCode.ShouldBe(200);

        // The refused registration recorded nothing; the async hash chain catches up with the rest.
        await host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        var ready = await (await host.Scenario(s => { s.Get.Url("/health/ready"); s.StatusCodeShouldBe(200); })).Json();
        ready.GetProperty("checks").GetProperty("projections").Str("status").ShouldBe("Healthy");
        await using var connection = new NpgsqlConnection(direct);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {LedgerStore.Schema}.mt_events where type = 'practitioner_registered'", connection);
        ((long)(await count.ExecuteScalarAsync())!).ShouldBe(2);
    }

    private static async Task<IScenarioResult> Register(IAlbaHost host, string token, int? status) => await host.Scenario(s =>
    {
        s.WithBearerToken(token);
        s.Post.Json(new { fullName = "Grace Hopper", email = $"{Guid.NewGuid():N}@example.org" }).ToUrl("/api/practitioners");
        if (status is { } expected) s.StatusCodeShouldBe(expected);
        else s.IgnoreStatusCode();
    });
}

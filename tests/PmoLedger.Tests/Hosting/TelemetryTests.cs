using System.Diagnostics;
using OpenTelemetry.Trace;

namespace PmoLedger.Tests.Hosting;

/// <summary>OpenTelemetry, exported to memory instead of a collector: what an operator's trace view would show.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task a_request_and_the_message_it_schedules_are_one_trace_with_http_wolverine_and_sql_spans()
    {
        var spans = new List<Activity>();
        var clock = new TestClock();
        await using var host = await LedgerNodes.Start(await TestDatabases.Fresh("_telemetry"), solo: true, clock,
            services => services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)),
            ("OpenTelemetry__Enabled", "true"));
        var admin = host.AdminToken();
        var id = await host.Register(admin);

        // The award schedules the expiry for the start of renewBy, a few seconds ahead on the ledger's clock.
        var renewBy = new DateOnly(2027, 1, 15);
        clock.Offset = PmoLedger.Infrastructure.Clock.StartOf(renewBy) - TimeSpan.FromSeconds(4) - TimeProvider.System.GetUtcNow();
        await host.Award(admin, id, renewBy);

        // Spans are exported as they end, the server's just after the answer: wait for them, not for a time.
        static bool IsTheAward(Activity s) => s.Kind == ActivityKind.Server && s.Source.Name == "Microsoft.AspNetCore"
                                              && s.GetTagItem("http.route") as string == "/api/practitioners/{id}/certifications";
        var watch = Stopwatch.StartNew();
        while (!Snapshot(spans).Any(IsTheAward))
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the request's span was never exported");
            await Task.Delay(50);
        }
        var trace = Snapshot(spans).Single(IsTheAward).TraceId;
        while (!Snapshot(spans).Any(s => s.TraceId == trace && s.Source.Name == "Wolverine" && s.OperationName.EndsWith("SettleCertifications", StringComparison.Ordinal)))
        {
            watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the scheduled handler's span never joined the request's trace");
            await Task.Delay(100);
        }

        var inTrace = Snapshot(spans).Where(s => s.TraceId == trace).ToList();
        inTrace.ShouldContain(s => s.Source.Name == "Npgsql" && s.ParentSpanId != default, "no SQL span in the request's trace");
        inTrace.Select(s => s.Source.Name).Distinct().ShouldBe(["Microsoft.AspNetCore", "Npgsql", "Wolverine"], ignoreOrder: true);
        inTrace.ShouldNotContain(s => s.Source.Name == "Npgsql" && (s.GetTagItem("db.query.text") as string ?? "").Contains("Grace Hopper"));
    }

    // The exporter appends from the threads that end spans; read a copy, again if it changed under us.
    private static List<Activity> Snapshot(List<Activity> spans)
    {
        while (true)
        {
            try { return [.. spans]; }
            catch (InvalidOperationException) { }
            catch (ArgumentException) { }
        }
    }
}

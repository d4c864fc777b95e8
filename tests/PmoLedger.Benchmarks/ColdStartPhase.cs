namespace PmoLedger.Benchmarks;

/// <summary>
/// Process start to the first 200 on /health: the service (against its existing database, so
/// schema checks but no schema creation) and an empty minimal-API app, both as child processes.
/// The service is measured with pre-generated Wolverine handlers (Static) and, for comparison,
/// compiling them at start (Dynamic).
/// </summary>
public static class ColdStartPhase
{
    public static async Task<object> RunAsync(Settings settings)
    {
        Console.WriteLine("\n== Cold start (process start to first 200 on /health)");
        // One unmeasured start creates the schema and warms the OS file cache for every contender.
        await Start(settings, "Static", report: false);
        await Start(settings, null, report: false);

        var modes = settings.TypeLoadMode == "Static" ? new[] { "Static", "Dynamic" } : [settings.TypeLoadMode];
        var samples = modes.ToDictionary(m => m, _ => new List<(double Ms, double MiB)>());
        var empty = new List<(double Ms, double MiB)>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            foreach (var mode in modes) samples[mode].Add(await Start(settings, mode, report: true));
            empty.Add(await Start(settings, null, report: true));
        }

        var results = modes.ToDictionary(m => m, m =>
        {
            var ratio = Ratio.Of(samples[m].Zip(empty, (s, e) => s.Ms / e.Ms));
            Console.WriteLine($"  service ({m}) / empty app: {ratio} [target <= 3]; median {Stats.Median(samples[m].Select(x => x.Ms)):0} ms vs {Stats.Median(empty.Select(x => x.Ms)):0} ms");
            return (object)new
            {
                ratio, serviceMs = samples[m].Select(x => Math.Round(x.Ms, 1)), servicePeakMiB = samples[m].Select(x => Math.Round(x.MiB, 1))
            };
        });
        return new
        {
            service = results,
            emptyAppMs = empty.Select(x => Math.Round(x.Ms, 1)),
            emptyAppPeakMiB = empty.Select(x => Math.Round(x.MiB, 1))
        };
    }

    private static async Task<(double Ms, double MiB)> Start(Settings settings, string? typeLoadMode, bool report)
    {
        await using var process = typeLoadMode is null
            ? settings.StartReference(null, Settings.ColdStartPort)
            : settings.StartService(settings.Connection, Settings.ColdStartPort, typeLoadMode);
        var ms = await process.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
        var mib = process.PeakMemoryMiB();
        if (report) Console.WriteLine($"  {(typeLoadMode is null ? "empty app" : $"service ({typeLoadMode})"),-18} {ms,7:0} ms  peak {mib:0} MiB");
        return (ms, mib);
    }
}

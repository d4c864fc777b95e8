namespace PmoLedger.Benchmarks;

/// <summary>
/// Process start to the first 200 on /health: the service (against a database whose schema a deployment step,
/// `db-apply`, has applied, as in production) and an empty minimal-API app, both as child processes.
/// The service is measured with pre-generated Wolverine handlers (Static) and, for comparison,
/// compiling them at start (Dynamic).
/// </summary>
public static class ColdStartPhase
{
    public static async Task<object> RunAsync(Settings settings)
    {
        Console.WriteLine("\n== Cold start (process start to first 200 on /health)");
        // One unmeasured start warms the OS file cache for every contender.
        await Start(settings, "Static", report: false);
        await Start(settings, null, report: false);

        var modes = settings.TypeLoadMode == "Static" ? new[] { "Static", "Dynamic" } : [settings.TypeLoadMode];
        var samples = modes.ToDictionary(m => m, _ => new List<(double Ms, double FirstMs, double MiB)>());
        var empty = new List<(double Ms, double FirstMs, double MiB)>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            foreach (var mode in modes) samples[mode].Add(await Start(settings, mode, report: true));
            empty.Add(await Start(settings, null, report: true));
        }

        var results = modes.ToDictionary(m => m, m =>
        {
            var ratio = Ratio.Of(samples[m].Zip(empty, (s, e) => s.Ms / e.Ms));
            Console.WriteLine($"  service ({m}) / empty app: {ratio} [target <= 3]; median {Stats.Median(samples[m].Select(x => x.Ms)):0} ms vs {Stats.Median(empty.Select(x => x.Ms)):0} ms");
            Summary.AtMost($"cold start ({m} handlers)", ratio, 3,
                $"{Stats.Median(samples[m].Select(x => x.Ms)):0} ms vs empty app {Stats.Median(empty.Select(x => x.Ms)):0} ms; first endpoint answer {Stats.Median(samples[m].Select(x => x.FirstMs)):0} ms; peak {Stats.Median(samples[m].Select(x => x.MiB)):0} MiB");
            var first = Ratio.Of(samples[m].Zip(empty, (s, e) => s.FirstMs / e.FirstMs));
            Console.WriteLine($"  service ({m}) / empty app, to the first endpoint answer: {first}; median {Stats.Median(samples[m].Select(x => x.FirstMs)):0} ms vs {Stats.Median(empty.Select(x => x.FirstMs)):0} ms");
            return (object)new
            {
                ratio, firstEndpointAnswerRatio = first, serviceFirstEndpointAnswerMs = samples[m].Select(x => Math.Round(x.FirstMs, 1)), serviceMs = samples[m].Select(x => Math.Round(x.Ms, 1)), servicePeakMiB = samples[m].Select(x => Math.Round(x.MiB, 1))
            };
        });
        return new
        {
            service = results,
            emptyAppMs = empty.Select(x => Math.Round(x.Ms, 1)),
            emptyAppFirstEndpointAnswerMs = empty.Select(x => Math.Round(x.FirstMs, 1)),
            emptyAppPeakMiB = empty.Select(x => Math.Round(x.MiB, 1))
        };
    }

    private static readonly HttpClient Http = new();

    /// <summary>
    /// /health touches no Wolverine endpoint; a handler's code is generated (Dynamic) or loaded
    /// (Static) when its route first runs. So also time the first answer of a real route: an
    /// unknown practitioner's timeline (404) for the service, the empty POST for the reference.
    /// </summary>
    private static async Task<double> FirstEndpointAnswerAsync(ChildProcess process, bool service)
    {
        using var request = service
            ? new HttpRequestMessage(HttpMethod.Get, new Uri(process.BaseAddress, $"/api/practitioners/{Guid.NewGuid()}/timeline"))
            {
                Headers = { Authorization = new("Bearer", Settings.Auth.Mint(PmoLedger.Infrastructure.Roles.Auditor, null, null, DateTimeOffset.UtcNow)) }
            }
            : new HttpRequestMessage(HttpMethod.Post, new Uri(process.BaseAddress, "/ref/empty")) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        using var response = await Http.SendAsync(request);
        var expected = service ? 404 : 204;
        if ((int)response.StatusCode != expected) throw new InvalidOperationException($"{process.Name} answered {(int)response.StatusCode}, expected {expected}.");
        return Histogram.Ms(process.StartedAt);
    }

    private static async Task<(double Ms, double FirstMs, double MiB)> Start(Settings settings, string? typeLoadMode, bool report)
    {
        await using var process = typeLoadMode is null
            ? settings.StartReference(null, Settings.ColdStartPort)
            : settings.StartService(settings.Connection, Settings.ColdStartPort, typeLoadMode);
        var ms = await process.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
        var firstMs = await FirstEndpointAnswerAsync(process, service: typeLoadMode is not null);
        var mib = process.PeakMemoryMiB();
        if (report) Console.WriteLine($"  {(typeLoadMode is null ? "empty app" : $"service ({typeLoadMode})"),-18} {ms,7:0} ms to /health, {firstMs,7:0} ms to first endpoint answer, peak {mib:0} MiB");
        return (ms, firstMs, mib);
    }
}

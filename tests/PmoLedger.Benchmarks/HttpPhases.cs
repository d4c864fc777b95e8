using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>Phases that drive the running service over HTTP: ingest and timeline reads.</summary>
public sealed class HttpPhases(Settings settings, HttpClient http, NpgsqlDataSource db, ChildProcess service, ChildProcess reference,
    (IngestWorkload Workload, ChildProcess Service)? baseline = null)
{
    private readonly IngestWorkload workload = new(http, db);

    public async Task PrepareAsync()
    {
        await workload.PrepareAsync(service.BaseAddress);
        if (baseline is { } b) await b.Workload.PrepareAsync(b.Service.BaseAddress);
    }

    /// <summary>
    /// Ingest throughput and latency: the service, the same database work by hand with Npgsql
    /// (in the generator process, no HTTP), and an empty minimal-API POST (HTTP only).
    /// The runs of the three targets are interleaved so drift on a shared machine hits all alike.
    /// </summary>
    public async Task<object> IngestAsync()
    {
        Console.WriteLine($"\n== Ingest: {IngestWorkload.Name}");
        var byConcurrency = new List<object>();
        var withoutEncryption = new List<object>();
        foreach (var concurrency in settings.Concurrency)
        {
            var runs = new List<(LoadResult Service, LoadResult Raw, LoadResult Empty)>();
            var baselineRuns = new List<(LoadResult Service, LoadResult Baseline)>();
            for (var run = 1; run <= settings.Runs; run++)
            {
                LoadResult? without = null;
                // Which of the two goes first alternates, so neither always runs on a warmer (or busier) machine.
                if (baseline is { } b && run % 2 == 0) without = await Without(b, concurrency);
                var s = await Load("service", concurrency, workload.Service(service.BaseAddress, concurrency), service);
                if (baseline is { } b2 && run % 2 == 1) without = await Without(b2, concurrency);
                if (without is not null) baselineRuns.Add((s, without));
                var r = await Load("raw Npgsql (no HTTP)", concurrency, workload.Raw(concurrency), null);
                var e = await Load("empty minimal-API POST", concurrency, workload.Empty(reference.BaseAddress), reference);
                runs.Add((s, r, e));
            }
            var vsLower = Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond / Math.Min(x.Raw.RequestsPerSecond, x.Empty.RequestsPerSecond)));
            var vsRaw = Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond / x.Raw.RequestsPerSecond));
            var vsEmpty = Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond / x.Empty.RequestsPerSecond));
            var p99VsRaw = Ratio.Of(runs.Select(x => x.Service.P99Ms / x.Raw.P99Ms));
            Console.WriteLine($"  c={concurrency}: throughput vs lower reference {vsLower} [target >= 0.5]; vs raw {vsRaw.Median:0.00}x; vs empty {vsEmpty.Median:0.00}x; p99 vs raw {p99VsRaw.Median:0.00}x");
            double Med(Func<(LoadResult Service, LoadResult Raw, LoadResult Empty), double> figure) => Stats.Median(runs.Select(figure));
            Summary.AtLeast($"ingest c={concurrency} req/s vs lower ref", vsLower, 0.5,
                $"service {Med(x => x.Service.RequestsPerSecond):0} req/s (p50 {Med(x => x.Service.P50Ms):0.0} ms, p99 {Med(x => x.Service.P99Ms):0.0} ms); " +
                $"raw {Med(x => x.Raw.RequestsPerSecond):0} req/s (p99 {Med(x => x.Raw.P99Ms):0.0} ms); empty POST {Med(x => x.Empty.RequestsPerSecond):0} req/s; " +
                $"generator {Med(x => x.Service.GeneratorCores):0.00} cores, service {Med(x => x.Service.ServerCores ?? 0):0.00} cores");
            if (baselineRuns.Count > 0)
            {
                var vsBaseline = Ratio.Of(baselineRuns.Select(x => x.Service.RequestsPerSecond / x.Baseline.RequestsPerSecond));
                Console.WriteLine($"  c={concurrency}: throughput with encryption vs without {vsBaseline} [target >= 0.9]");
                Summary.AtLeast($"ingest c={concurrency} with encryption vs without", vsBaseline, 0.9,
                    $"with {Stats.Median(baselineRuns.Select(x => x.Service.RequestsPerSecond)):0} req/s, " +
                    $"without {Stats.Median(baselineRuns.Select(x => x.Baseline.RequestsPerSecond)):0} req/s");
                withoutEncryption.Add(new
                {
                    concurrency, throughputWithVsWithout = vsBaseline,
                    runs = baselineRuns.Select(x => new { with = x.Service, without = x.Baseline })
                });
            }
            byConcurrency.Add(new
            {
                concurrency,
                throughputVsLowerReference = vsLower, throughputVsRaw = vsRaw, throughputVsEmpty = vsEmpty, p99VsRaw,
                runs = runs.Select(x => new { service = x.Service, raw = x.Raw, empty = x.Empty })
            });
        }
        return new
        {
            workload = IngestWorkload.Name, rawReference = IngestWorkload.RawDescription, results = byConcurrency,
            encryptionAtRest = withoutEncryption.Count > 0 ? withoutEncryption : null
        };
    }

    /// <summary>
    /// Timeline p50/p99 under ingest: 8 clients keep posting to the service while 4 readers
    /// fetch timelines, either through the service or through the reference app's prepared lookup.
    /// </summary>
    public async Task<object> TimelineAsync()
    {
        const int writers = 8, readers = 4;
        Console.WriteLine($"\n== Timeline reads under ingest ({writers} writers on the service, {readers} readers)");
        var auditor = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            Settings.Auth.Mint(Roles.Auditor, null, null, DateTimeOffset.UtcNow));
        var ids = workload.PractitionerIds;

        LoadGenerator.Operation Read(Func<Guid, Uri> url, bool authorize) => async (worker, sequence, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url(ids[(worker * 31 + sequence * 7) % ids.Length]));
            if (authorize) request.Headers.Authorization = auditor;
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            return response.IsSuccessStatusCode;
        };
        var serviceRead = Read(id => new Uri(service.BaseAddress, $"/api/practitioners/{id}/timeline"), authorize: true);
        var referenceRead = Read(id => new Uri(reference.BaseAddress, $"/ref/timeline/{id}"), authorize: false);

        using var stop = new CancellationTokenSource();
        var background = LoadGenerator.RunAsync("background ingest", writers, TimeSpan.Zero, TimeSpan.FromDays(1),
            workload.Service(service.BaseAddress, writers), stopToken: stop.Token);

        var runs = new List<(LoadResult Service, LoadResult Reference)>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            var s = await Load("service GET timeline", readers, serviceRead, service);
            var r = await Load("reference prepared lookup", readers, referenceRead, reference);
            runs.Add((s, r));
        }
        await stop.CancelAsync();
        var ingest = await background;

        var p99 = Ratio.Of(runs.Select(x => x.Service.P99Ms / x.Reference.P99Ms));
        var p50 = Ratio.Of(runs.Select(x => x.Service.P50Ms / x.Reference.P50Ms));
        Console.WriteLine($"  p99 service/reference {p99} [target <= 1.2]; p50 {p50}; background ingest {ingest.RequestsPerSecond:0} req/s");
        Summary.AtMost("timeline p99 under ingest", p99, 1.2,
            $"service p50 {Stats.Median(runs.Select(x => x.Service.P50Ms)):0.0} / p99 {Stats.Median(runs.Select(x => x.Service.P99Ms)):0.0} ms; " +
            $"reference p50 {Stats.Median(runs.Select(x => x.Reference.P50Ms)):0.0} / p99 {Stats.Median(runs.Select(x => x.Reference.P99Ms)):0.0} ms; ingest alongside {ingest.RequestsPerSecond:0} req/s");
        return new
        {
            writers, readers, p99Ratio = p99, p50Ratio = p50, backgroundIngestRequestsPerSecond = ingest.RequestsPerSecond,
            runs = runs.Select(x => new { service = x.Service, reference = x.Reference })
        };
    }

    private Task<LoadResult> Without((IngestWorkload Workload, ChildProcess Service) b, int concurrency) =>
        Load("service without encryption at rest", concurrency, b.Workload.Service(b.Service.BaseAddress, concurrency), b.Service);

    private async Task<LoadResult> Load(string target, int concurrency, LoadGenerator.Operation op, ChildProcess? server)
    {
        var result = await LoadGenerator.RunAsync(target, concurrency, settings.Warmup, settings.Duration, op, server);
        Console.WriteLine($"  {result}");
        return result;
    }
}

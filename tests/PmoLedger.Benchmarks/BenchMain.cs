using System.Diagnostics;
using System.Text.Json;
using Marten;
using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// Measures the ledger against the physical limit of this machine, every figure against a
/// reference measured in the same run. See bench.sh for the usual invocation.
/// `ref-server` runs the reference minimal-API app (a child process of the benchmark).
/// </summary>
public static class BenchMain
{
    public static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == "ref-server") return await ReferenceServer.RunAsync(args);
        if (args.FirstOrDefault() == "reliability") return await Reliability.RunAsync(args);

        var settings = Settings.Parse(args);
        var total = Stopwatch.StartNew();
        var report = new Dictionary<string, object?>
        {
            ["machine"] = new
            {
                cores = Environment.ProcessorCount, os = Environment.OSVersion.ToString(), runtime = Environment.Version.ToString(),
                startedAt = DateTimeOffset.UtcNow, fsync = await ShowAsync(settings.Connection, "fsync"),
                synchronousCommit = await ShowAsync(settings.Connection, "synchronous_commit")
            },
            ["settings"] = new
            {
                settings.Quick, settings.Runs, warmupSeconds = settings.Warmup.TotalSeconds, durationSeconds = settings.Duration.TotalSeconds,
                settings.Concurrency, settings.RebuildEvents, settings.AsOfSizes, settings.TypeLoadMode, settings.Phases
            }
        };
        Console.WriteLine($"PmoLedger benchmarks: {Environment.ProcessorCount} cores, fsync={((dynamic)report["machine"]!).fsync}, " +
                          $"{settings.Runs} runs per figure{(settings.Quick ? " (QUICK: harness smoke test, figures meaningless)" : "")}");

        // Every run starts from an empty ledger (the benchmark's own database), so runs are comparable.
        await using (var fresh = NpgsqlDataSource.Create(settings.Connection))
        await using (var drop = fresh.CreateCommand($"drop schema if exists {LedgerStore.Schema} cascade"))
            await drop.ExecuteNonQueryAsync();
        // A production start leaves the schema to the deployment step (docs/operations.md, "Database").
        await ChildProcess.RunCommandAsync(settings.ServiceDll, ["db-apply"], settings.ServiceEnvironment(settings.Connection));

        if (settings.Phases.Contains("coldstart")) report["coldStart"] = await ColdStartPhase.RunAsync(settings);

        var auto = new NpgsqlConnectionStringBuilder(settings.Connection) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 1, MaxPoolSize = 100 };
        await using var db = NpgsqlDataSource.Create(auto.ConnectionString);
        using var keys = Settings.Keys(settings.Connection);
        RawLedger.UseKeys(keys);

        if (settings.Phases.Intersect(["ingest", "timeline"]).Any())
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
            await using var service = settings.StartService(settings.Connection);
            await using var reference = settings.StartReference(settings.Connection);
            await service.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
            await reference.WaitForHealthyAsync(TimeSpan.FromSeconds(30));
            await using var baseline = settings.BaselineServiceDll is null ? null : await StartBaselineAsync(settings);
            await using var baselineDb = baseline is null ? null : NpgsqlDataSource.Create(settings.BaselineConnection!);
            var phases = new HttpPhases(settings, http, db, service, reference,
                baseline is null ? null : (new IngestWorkload(http, baselineDb!), baseline));
            await phases.PrepareAsync();
            if (settings.Phases.Contains("ingest")) report["ingest"] = await phases.IngestAsync();
            if (settings.Phases.Contains("timeline")) report["timeline"] = await phases.TimelineAsync();
            report["servicePeakMemory"] = new
            {
                serviceMiB = Math.Round(service.PeakMemoryMiB(), 1), referenceAppMiB = Math.Round(reference.PeakMemoryMiB(), 1),
                note = "VmHWM of the long-running service and reference app after the ingest and timeline phases"
            };
            Summary.AtMost("service peak memory (VmHWM)", Ratio.Of([service.PeakMemoryMiB() / reference.PeakMemoryMiB()]), 2,
                $"service {service.PeakMemoryMiB():0} MiB vs reference app {reference.PeakMemoryMiB():0} MiB after ingest + timeline");
            Console.WriteLine($"\nPeak memory (VmHWM): service {service.PeakMemoryMiB():0} MiB, reference app {reference.PeakMemoryMiB():0} MiB");
        }

        if (settings.Phases.Contains("xapi"))
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
            await using var service = settings.StartService(settings.Connection);
            await service.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
            report["xapi"] = await XapiPhase.RunAsync(settings, http, db, keys, service);
        }

        if (settings.Phases.Contains("credentials"))
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });
            await using var service = settings.StartService(settings.Connection);
            await service.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
            report["credentials"] = await CredentialPhase.RunAsync(settings, http, db, service);
        }

        if (settings.Phases.Contains("asof"))
        {
            using var store = DocumentStore.For(opts => LedgerStore.Configure(opts, settings.Connection, keys));
            report["asOf"] = await AsOfPhase.RunAsync(settings, store, keys, db);
        }

        if (settings.Phases.Contains("search"))
        {
            using var store = DocumentStore.For(opts => LedgerStore.Configure(opts, settings.Connection, keys));
            await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            report["search"] = await SearchPhase.RunAsync(settings, store, db);
        }

        if (settings.Phases.Contains("pages"))
        {
            using var store = DocumentStore.For(opts => LedgerStore.Configure(opts, settings.Connection, keys));
            report["pages"] = await PagesPhase.RunAsync(settings, store);
        }

        if (settings.Phases.Contains("rebuild")) report["rebuild"] = await RebuildPhase.RunAsync(settings);

        Summary.Print();
        report["summary"] = Summary.Lines;
        report["benchmarkPeakMiB"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1);
        report["totalSeconds"] = Math.Round(total.Elapsed.TotalSeconds, 1);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.Output))!);
        await File.WriteAllTextAsync(settings.Output, JsonSerializer.Serialize(report, new JsonSerializerOptions
        {
            WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
        }));
        Console.WriteLine($"\nRaw results: {settings.Output} ({total.Elapsed.TotalMinutes:0.0} min)");
        return 0;
    }

    /// <summary>The service without encryption at rest, on an empty database of its own.</summary>
    private static async Task<ChildProcess> StartBaselineAsync(Settings settings)
    {
        await using (var fresh = NpgsqlDataSource.Create(settings.BaselineConnection!))
        await using (var drop = fresh.CreateCommand($"drop schema if exists {LedgerStore.Schema} cascade"))
            await drop.ExecuteNonQueryAsync();
        var baseline = settings.StartBaseline();
        await baseline.WaitForHealthyAsync(TimeSpan.FromSeconds(90));
        return baseline;
    }

    private static async Task<string> ShowAsync(string connection, string setting)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        await using var command = db.CreateCommand($"show {setting}");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

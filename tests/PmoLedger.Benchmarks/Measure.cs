using System.Diagnostics;

namespace PmoLedger.Benchmarks;

/// <summary>Latency samples of one measured run, in milliseconds.</summary>
public sealed class Histogram
{
    private readonly List<double> samples = [];

    public void Add(double ms) => samples.Add(ms);
    public void AddRange(Histogram other) => samples.AddRange(other.samples);
    public int Count => samples.Count;

    public double Percentile(double p)
    {
        if (samples.Count == 0) return double.NaN;
        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public static double Ms(long fromTimestamp) => Stopwatch.GetElapsedTime(fromTimestamp).TotalMilliseconds;
}

/// <summary>A figure measured against its reference in several runs: the ratio of each run, summarised.</summary>
public sealed record Ratio(double Median, double Min, double Max, double[] Runs)
{
    public static Ratio Of(IEnumerable<double> runs)
    {
        var values = runs.ToArray();
        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Ratio(Math.Round(median, 3), Math.Round(sorted[0], 3), Math.Round(sorted[^1], 3), values.Select(v => Math.Round(v, 3)).ToArray());
    }

    public override string ToString() => $"{Median:0.00}x (min {Min:0.00}, max {Max:0.00})";
}

/// <summary>A service and its reference measured in turns, the same number of runs each.</summary>
public static class Interleaved
{
    public static async Task<List<(LoadResult Service, LoadResult Raw)>> RunAsync(int runs, Func<Task<LoadResult>> service, Func<Task<LoadResult>> raw)
    {
        var results = new List<(LoadResult Service, LoadResult Raw)>();
        for (var run = 1; run <= runs; run++)
        {
            // Which goes first alternates, so neither always runs on the warmer (or busier) machine.
            var rawFirst = run % 2 == 0 ? await raw() : null;
            var measured = await service();
            results.Add((measured, rawFirst ?? await raw()));
        }
        return results;
    }
}

public static class Stats
{
    public static double Median(IEnumerable<double> values) => Ratio.Of(values).Median;
}

/// <summary>CPU time of the benchmark process itself: the load generator shares the 2 cores with what it measures.</summary>
public sealed class CpuMeter
{
    private readonly TimeSpan startCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly long start = Stopwatch.GetTimestamp();

    /// <summary>Generator CPU seconds per wall second (1.0 = one core busy all the time).</summary>
    public double CoresUsed()
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - startCpu;
        return cpu.TotalSeconds / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}

/// <summary>What one closed-loop run measured.</summary>
public sealed record LoadResult(
    string Target, int Concurrency, int Requests, int Errors, double Seconds, double RequestsPerSecond,
    double P50Ms, double P99Ms, double GeneratorCores, double? ServerCores)
{
    public override string ToString() =>
        $"{Target,-28} c={Concurrency,-3} {RequestsPerSecond,9:0.0} req/s  p50 {P50Ms,7:0.00} ms  p99 {P99Ms,7:0.00} ms  errors {Errors}  generator {GeneratorCores:0.00} cores" +
        (ServerCores is { } s ? $"  server {s:0.00} cores" : "");
}

/// <summary>
/// A closed-loop load generator: each of N workers sends its next request as soon as the
/// previous one answers. Requests during the warm-up are not counted.
/// </summary>
public static class LoadGenerator
{
    public delegate Task<bool> Operation(int worker, int sequence, CancellationToken ct);

    public static async Task<LoadResult> RunAsync(string target, int concurrency, TimeSpan warmup, TimeSpan duration,
        Operation operation, ChildProcess? server = null, CancellationToken stopToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stopToken);
        var measuring = false;
        var histograms = Enumerable.Range(0, concurrency).Select(_ => new Histogram()).ToArray();
        var errors = new int[concurrency];
        string? firstError = null;

        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var sequence = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try { ok = await operation(w, sequence++, stop.Token); }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { break; }
                catch (Exception ex) { ok = false; firstError ??= ex.Message; }
                if (!Volatile.Read(ref measuring)) continue;
                if (ok) histograms[w].Add(Histogram.Ms(started));
                else errors[w]++;
            }
        })).ToArray();

        await Task.Delay(warmup);
        var serverCpu = server?.CpuSeconds();
        var cpu = new CpuMeter();
        var begin = Stopwatch.GetTimestamp();
        Volatile.Write(ref measuring, true);
        try { await Task.Delay(duration, stopToken); } catch (OperationCanceledException) { }
        Volatile.Write(ref measuring, false);
        var seconds = Stopwatch.GetElapsedTime(begin).TotalSeconds;
        var generatorCores = cpu.CoresUsed();
        double? serverCores = server is null ? null : (server.CpuSeconds() - serverCpu!.Value) / seconds;
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = new Histogram();
        foreach (var h in histograms) all.AddRange(h);
        var errorCount = errors.Sum();
        if (errorCount > 0) Console.WriteLine($"  ! {target}: {errorCount} failed requests (first: {firstError ?? "non-success status"})");
        return new LoadResult(target, concurrency, all.Count, errorCount, Math.Round(seconds, 2), Math.Round(all.Count / seconds, 1),
            Math.Round(all.Percentile(50), 3), Math.Round(all.Percentile(99), 3), Math.Round(generatorCores, 3),
            serverCores is { } s ? Math.Round(s, 3) : null);
    }
}

/// <summary>The one-line-per-figure summary printed at the end and kept in the JSON.</summary>
public static class Summary
{
    public sealed record Line(string Figure, Ratio Ratio, string Target, bool Met, string Detail);

    public static readonly List<Line> Lines = [];

    public static void AtLeast(string figure, Ratio ratio, double target, string detail) =>
        Lines.Add(new Line(figure, ratio, $">= {target}", ratio.Median >= target, detail));

    public static void AtMost(string figure, Ratio ratio, double target, string detail) =>
        Lines.Add(new Line(figure, ratio, $"<= {target}", ratio.Median <= target, detail));

    public static void Print()
    {
        Console.WriteLine("\n== Summary (ratio = ledger / same-run reference; median of runs, min-max)");
        Console.WriteLine($"  {"figure",-36} {"ratio",-22} {"target",-8} {"met",-4} detail");
        foreach (var l in Lines)
            Console.WriteLine($"  {l.Figure,-36} {$"{l.Ratio.Median:0.00} ({l.Ratio.Min:0.00}-{l.Ratio.Max:0.00})",-22} {l.Target,-8} {(l.Met ? "yes" : "no"),-4} {l.Detail}");
    }
}

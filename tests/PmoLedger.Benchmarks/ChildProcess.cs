using System.Diagnostics;

namespace PmoLedger.Benchmarks;

/// <summary>
/// A server started as `dotnet some.dll`, the way it runs in production: its own process,
/// its own memory, its stdout drained (an unread pipe would block it).
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
        { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process process;
    private readonly Queue<string> tail = new();

    public string Name { get; }
    public Uri BaseAddress { get; }
    public int Id => process.Id;
    public long StartedAt { get; }

    private ChildProcess(string name, Process process, Uri baseAddress, long startedAt)
    {
        Name = name;
        this.process = process;
        BaseAddress = baseAddress;
        StartedAt = startedAt;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static ChildProcess Start(string name, string dll, IEnumerable<string> args, IDictionary<string, string> environment, int port)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false
        };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var url = $"http://127.0.0.1:{port}";
        info.Environment["ASPNETCORE_URLS"] = url;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Capacity is measured, not the per-caller limits (docs/operations.md, "Rate limits").
        foreach (var limit in new[] { "ProviderPerWindow", "ProviderBurst", "UserPerWindow", "UserBurst" })
            info.Environment[$"RateLimits__{limit}"] = "1000000";
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {dll}");
        // bench.sh ends whatever is left of these by pid if this process is killed.
        Record(process.Id.ToString());
        return new ChildProcess(name, process, new Uri(url), started);
    }

    /// <summary>One of the service's commands (`db-apply`, `add-staff`, …), run to its end as an operator would; its stdout.</summary>
    public static async Task<string> RunCommandAsync(string dll, IEnumerable<string> args, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var arg in args.Prepend(dll)) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {dll}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed: {await error}{await output}");
        return await output;
    }

    private static void Record(string line)
    {
        if (Environment.GetEnvironmentVariable("PMOLEDGER_BENCH_PIDFILE") is { Length: > 0 } pidFile)
            File.AppendAllText(pidFile, line + Environment.NewLine);
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (tail)
        {
            tail.Enqueue(line);
            while (tail.Count > 40) tail.Dequeue();
        }
    }

    public string Tail() { lock (tail) return string.Join(Environment.NewLine, tail); }

    /// <summary>Polls /health until it answers 200; returns milliseconds since the process was started.</summary>
    public async Task<double> WaitForHealthyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"{Name} exited with {process.ExitCode}:{Environment.NewLine}{Tail()}");
            try
            {
                using var response = await Probe.GetAsync(new Uri(BaseAddress, "/health"));
                if ((int)response.StatusCode == 200) return Histogram.Ms(StartedAt);
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(10);
        }
        throw new TimeoutException($"{Name} did not become healthy in {timeout}:{Environment.NewLine}{Tail()}");
    }

    /// <summary>Ends the process at once, as `kill -9` would: no shutdown, nothing flushed.</summary>
    public void KillHard()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: false);
        process.WaitForExit();
    }

    /// <summary>Resident memory now (VmRSS) in MiB.</summary>
    public double ResidentMemoryMiB() => ReadStatusKiB("VmRSS") / 1024.0;

    /// <summary>Peak resident memory (VmHWM) in MiB.</summary>
    public double PeakMemoryMiB() => ReadStatusKiB("VmHWM") / 1024.0;

    private double ReadStatusKiB(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            if (line.StartsWith(field + ":"))
                return double.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]);
        return double.NaN;
    }

    /// <summary>User + system CPU seconds the process has used so far (/proc/pid/stat, clock ticks of 1/100 s).</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        Record($"done {process.Id}");
        process.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The reliability program (reliability.sh, docs/reliability.md): the real service as child processes against a
/// private PostgreSQL cluster this program may restart, under eight clients posting completions as providers do —
/// each completion resent with the same reference until acknowledged. Every scenario ends by comparing what was
/// acknowledged with what the ledger holds.
/// </summary>
public static class Reliability
{
    private const int Clients = 8;
    private const int Practitioners = 64;

    /// <summary>
    /// Completions each soak practitioner receives before the clients move on to the next one: a long career's worth
    /// (docs/reliability.md). Without a bound a 10-minute soak drives 64 records to ~1,300 completions each and measures
    /// the cost of record length, which grows by design of the per-practitioner read models, not leaks; that figure is
    /// kept separately in the docs.
    /// </summary>
    private const int SoakRecordLength = 100;
    private const int PortA = 5088;
    private const int PortB = 5089;

    private sealed record Options(string Connection, string PgData, string PgBin, string ServiceDll, double SoakMinutes, string[] Scenarios, string Output, bool AsRoot);

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => Array.LastIndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var o = new Options(
            Value("--connection") ?? throw new ArgumentException("--connection is required"),
            Value("--pg-data") ?? throw new ArgumentException("--pg-data is required"),
            Value("--pg-bin") ?? throw new ArgumentException("--pg-bin is required"),
            Path.GetFullPath(Value("--service-dll") ?? throw new ArgumentException("--service-dll is required")),
            double.Parse(Value("--soak-minutes") ?? "10", CultureInfo.InvariantCulture),
            (Value("--scenarios") ?? "restart,kill,nodes,soak").Split(','),
            Value("--out") ?? "docs/reliability.json",
            Environment.UserName == "root");

        var report = new Dictionary<string, object?>
        {
            ["machine"] = new { cores = Environment.ProcessorCount, startedAt = DateTimeOffset.UtcNow, note = "shared with other engineers' builds and test runs during the measurement" }
        };
        var verdicts = new List<(string Check, bool Ok, string Detail)>();
        foreach (var scenario in o.Scenarios)
        {
            await Fresh(o);
            Console.WriteLine($"\n== {scenario}");
            report[scenario] = scenario switch
            {
                "restart" => await PostgresRestart(o, verdicts),
                "kill" => await KillService(o, verdicts),
                "nodes" => await KillOneOfTwoNodes(o, verdicts),
                "soak" => await Soak(o, verdicts),
                _ => throw new ArgumentException($"unknown scenario '{scenario}'")
            };
        }
        report["verdicts"] = verdicts.Select(v => new { v.Check, v.Ok, v.Detail });
        await File.WriteAllTextAsync(o.Output, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine("\nReliability verdicts:");
        foreach (var v in verdicts) Console.WriteLine($"  {(v.Ok ? "ok  " : "FAIL")} {v.Check}: {v.Detail}");
        Console.WriteLine($"raw results: {o.Output}");
        return verdicts.All(v => v.Ok) ? 0 : 1;
    }

    // ---------------------------------------------------------------- scenarios

    /// <summary>A fast restart (pg_ctl restart -m fast), then a ten-second outage (stop, wait, start).</summary>
    private static async Task<object> PostgresRestart(Options o, List<(string, bool, string)> verdicts)
    {
        await using var service = Start(o, PortA);
        await service.WaitForHealthyAsync(TimeSpan.FromSeconds(120));
        var load = await Load.Prepare(service.BaseAddress);
        var clock = Stopwatch.StartNew();
        load.Start(_ => service.BaseAddress, clock);
        await Task.Delay(TimeSpan.FromSeconds(8));

        var outages = new List<(string Name, double Down, double Up, double Recovered)>();
        foreach (var (name, fault) in new (string, Func<Task>)[]
                 {
                     ("restart", () => PgCtl(o, "restart -m fast")),
                     ("10 s outage", async () => { await PgCtl(o, "stop -m fast"); await Task.Delay(TimeSpan.FromSeconds(10)); await PgCtl(o, "start"); })
                 })
        {
            var down = clock.Elapsed.TotalSeconds;
            await fault();
            var up = clock.Elapsed.TotalSeconds;
            var recovered = await load.FirstSuccessAfter(up, TimeSpan.FromSeconds(60));
            Console.WriteLine($"{name}: PostgreSQL back after {up - down:0.0} s, first acknowledgement {recovered - up:0.00} s later");
            outages.Add((name, down, up, recovered));
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        await load.StopAsync();

        var check = await Check(o.Connection, load);
        var fiveHundreds = load.Answers(0, double.MaxValue).GetValueOrDefault("500");
        var last = outages[^1];
        var after = load.Answers(last.Recovered, double.MaxValue);
        var errorsAfter = after.Where(a => !a.Key.StartsWith('2')).Sum(a => a.Value);
        verdicts.Add(("restart: no 500 answers", fiveHundreds == 0,
            $"{fiveHundreds} answers 500; " + string.Join("; ", outages.Select(x => $"during the {x.Name} {Describe(load.Answers(x.Down, x.Recovered))}"))));
        verdicts.Add(("restart: no errors after recovery", errorsAfter == 0, $"after recovery {Describe(after)}"));
        Verdicts("restart", check, verdicts);
        return new
        {
            outages = outages.Select(x => new
            {
                x.Name, downSeconds = Math.Round(x.Up - x.Down, 2), firstAcknowledgedSecondsAfterUp = Math.Round(x.Recovered - x.Up, 2),
                during = load.Answers(x.Down, x.Recovered)
            }),
            after, check
        };
    }

    private static async Task<object> KillService(Options o, List<(string, bool, string)> verdicts)
    {
        var service = Start(o, PortA);
        await service.WaitForHealthyAsync(TimeSpan.FromSeconds(120));
        var load = await Load.Prepare(service.BaseAddress);
        var clock = Stopwatch.StartNew();
        load.Start(_ => service.BaseAddress, clock);
        await Task.Delay(TimeSpan.FromSeconds(8));
        var killedAt = clock.Elapsed.TotalSeconds;
        service.KillHard();
        await service.DisposeAsync();
        service = Start(o, PortA);
        var healthyMs = await service.WaitForHealthyAsync(TimeSpan.FromSeconds(120));
        var recoveredAt = await load.FirstSuccessAfter(clock.Elapsed.TotalSeconds, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(10));
        await load.StopAsync();
        await service.DisposeAsync();

        var check = await Check(o.Connection, load);
        var after = load.Answers(recoveredAt, double.MaxValue);
        verdicts.Add(("kill -9: no errors after restart", after.Where(a => !a.Key.StartsWith('2')).Sum(a => a.Value) == 0, $"after the restart {Describe(after)}"));
        Verdicts("kill -9", check, verdicts);
        return new { restartToHealthyMs = healthyMs, downSeconds = recoveredAt - killedAt, during = load.Answers(killedAt, recoveredAt), after, check };
    }

    private static async Task<object> KillOneOfTwoNodes(Options o, List<(string, bool, string)> verdicts)
    {
        // Two nodes; under load the one running the hash chain is killed.
        var nodes = new[] { Start(o, PortA), Start(o, PortB) };
        foreach (var node in nodes) await node.WaitForHealthyAsync(TimeSpan.FromSeconds(120));
        var load = await Load.Prepare(nodes[0].BaseAddress);
        var dead = -1;
        var clock = Stopwatch.StartNew();
        // A load balancer: clients alternate nodes and leave a node that stopped answering.
        load.Start(w => nodes[Volatile.Read(ref dead) is var d && d >= 0 ? 1 - d : w % 2].BaseAddress, clock);
        await Task.Delay(TimeSpan.FromSeconds(10));
        var before = await ChainLag(o.Connection);
        // Nodes register in start order (A first); the assignments table names the chain's node.
        var owner = (int)await Scalar(o.Connection,
            "select case when a.node_id = (select id from ledger.wolverine_nodes order by started limit 1) then 0 else 1 end " +
            "from ledger.wolverine_node_assignments a where a.id like 'event-subscriptions://%' and lower(a.id) like '%eventchain%'");
        Console.WriteLine($"the hash chain runs on node {(owner == 0 ? "A" : "B")} (:{nodes[owner].BaseAddress.Port}); killing it");
        var killedAt = clock.Elapsed.TotalSeconds;
        nodes[owner].KillHard();
        // Read after the kill: an event past this one can only have been chained by the survivor.
        var newestAtKill = await Scalar(o.Connection, "select coalesce(max(seq_id), 0) from ledger.mt_events");
        Volatile.Write(ref dead, owner);
        await nodes[owner].DisposeAsync();
        await using var survivor = nodes[1 - owner];

        // Caught up: the chain has taken in an event appended after the kill (only the survivor can have done that)
        // and is back within its lag from before the kill.
        double? caughtUpAfter = null;
        var lagSamples = new List<object>();
        while (clock.Elapsed.TotalSeconds - killedAt < 90)
        {
            var chain = await Scalar(o.Connection, "select coalesce((select last_seq_id from ledger.mt_event_progression where name = 'EventChain:All'), 0)");
            var newest = await Scalar(o.Connection, "select coalesce(max(seq_id), 0) from ledger.mt_events");
            lagSamples.Add(new { at = Math.Round(clock.Elapsed.TotalSeconds - killedAt, 2), lag = newest - chain });
            if (chain > newestAtKill && newest - chain <= Math.Max(before, 50)) { caughtUpAfter = clock.Elapsed.TotalSeconds - killedAt; break; }
            await Task.Delay(250);
        }
        await Task.Delay(TimeSpan.FromSeconds(5));
        await load.StopAsync();
        var finalLag = await WaitForChain(o.Connection, TimeSpan.FromSeconds(60));

        var check = await Check(o.Connection, load);
        var deadLetters = await Scalar(o.Connection, "select count(*) from ledger.wolverine_dead_letters");
        var after = load.Answers(killedAt + 1, double.MaxValue);
        verdicts.Add(("one of two nodes killed: chain caught up within 30 s", caughtUpAfter is <= 30,
            caughtUpAfter is { } s ? $"{s:0.0} s after the kill (lag before the kill {before} events)" : "not within 90 s"));
        verdicts.Add(("one of two nodes killed: chain complete after the load", finalLag == 0, $"{finalLag} events behind at the end"));
        verdicts.Add(("one of two nodes killed: no dead-lettered messages", deadLetters == 0, $"{deadLetters} dead letters"));
        Verdicts("one of two nodes killed", check, verdicts);
        return new { killedNode = owner == 0 ? "A (started first)" : "B", lagBeforeKill = before, caughtUpSecondsAfterKill = caughtUpAfter, lagSamples, afterKill = after, deadLetters, check };
    }

    private static async Task<object> Soak(Options o, List<(string, bool, string)> verdicts)
    {
        await using var service = Start(o, PortA);
        await service.WaitForHealthyAsync(TimeSpan.FromSeconds(120));
        var load = await Load.Prepare(service.BaseAddress);

        // The maximum: eight clients as fast as they are answered, for 20 s.
        var clock = Stopwatch.StartNew();
        load.Start(_ => service.BaseAddress, clock);
        await Task.Delay(TimeSpan.FromSeconds(20));
        await load.StopAsync();
        var max = load.Acknowledged.Count / clock.Elapsed.TotalSeconds;
        var rate = max / 2;
        Console.WriteLine($"maximum {max:0} completions/s; soaking at {rate:0}/s for {o.SoakMinutes} min");

        // Enough practitioners for every client to fill records of SoakRecordLength with a fifth to spare.
        var population = Clients * (int)Math.Ceiling(rate * o.SoakMinutes * 60 * 1.2 / Clients / SoakRecordLength + 1);
        var soak = await Load.Prepare(service.BaseAddress, population, SoakRecordLength);
        Console.WriteLine($"{population} practitioners registered for the soak, {SoakRecordLength} completions each");
        clock.Restart();
        soak.Start(_ => service.BaseAddress, clock, perClientInterval: TimeSpan.FromSeconds(Clients / rate));
        var samples = new List<(double Minute, double RssMiB)>();
        while (clock.Elapsed.TotalMinutes < o.SoakMinutes)
        {
            samples.Add((clock.Elapsed.TotalMinutes, service.ResidentMemoryMiB()));
            await Task.Delay(TimeSpan.FromSeconds(5));
        }
        samples.Add((clock.Elapsed.TotalMinutes, service.ResidentMemoryMiB()));
        await soak.StopAsync();

        var minutes = (int)Math.Ceiling(o.SoakMinutes);
        var perMinute = Enumerable.Range(0, minutes).Select(m => new
        {
            minute = m + 1,
            answered = soak.Count(m * 60, (m + 1) * 60),
            p50Ms = soak.Percentile(m * 60, (m + 1) * 60, 0.50),
            p99Ms = soak.Percentile(m * 60, (m + 1) * 60, 0.99),
            errors = soak.Answers(m * 60, (m + 1) * 60).Where(a => !a.Key.StartsWith('2')).Sum(a => a.Value)
        }).ToList();
        var atTwo = samples.Where(s => s.Minute >= Math.Min(2, o.SoakMinutes / 2)).Select(s => s.RssMiB).First();
        var atEnd = samples[^1].RssMiB;
        var growth = (atEnd - atTwo) / atTwo;
        var errors = perMinute.Sum(m => m.errors);
        foreach (var reference in load.Acknowledged.Keys) soak.Acknowledged[reference] = true;
        var check = await Check(o.Connection, soak);
        verdicts.Add(("soak: memory growth from minute 2 to the end under 10 %", growth < 0.10, $"{atTwo:0} MiB -> {atEnd:0} MiB ({growth:+0.0%;-0.0%})"));
        verdicts.Add(("soak: no errors", errors == 0, $"{errors} errors over {o.SoakMinutes} min at {rate:0}/s"));
        Verdicts("soak", check, verdicts);
        return new { maxPerSecond = max, ratePerSecond = rate, minutes = o.SoakMinutes, practitioners = population, completionsPerPractitioner = SoakRecordLength, memory = samples.Select(s => new { minute = Math.Round(s.Minute, 2), rssMiB = Math.Round(s.RssMiB, 1) }), perMinute, check };
    }

    // ---------------------------------------------------------------- checks

    private sealed record Tally(int Acknowledged, int Stored, int Lost, int Duplicated, int StoredUnacknowledged);

    /// <summary>Acknowledged vs stored: every acknowledged completion is in the log exactly once.</summary>
    private static async Task<Tally> Check(string connection, Load load)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        await using var command = db.CreateCommand(
            "select data->>'providerReference', count(*) from ledger.mt_events where type = 'training_completed' group by 1");
        var stored = new Dictionary<string, long>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored[reader.GetString(0)] = reader.GetInt64(1);
        var acknowledged = load.Acknowledged.Keys.ToHashSet();
        return new Tally(acknowledged.Count, stored.Count, acknowledged.Count(r => !stored.ContainsKey(r)), stored.Count(s => s.Value > 1),
            stored.Keys.Count(r => !acknowledged.Contains(r)));
    }

    private static void Verdicts(string scenario, Tally check, List<(string, bool, string)> verdicts)
    {
        verdicts.Add(($"{scenario}: 0 acknowledged completions lost", check.Lost == 0, $"{check.Acknowledged} acknowledged, {check.Lost} missing from the log"));
        verdicts.Add(($"{scenario}: 0 duplicated", check.Duplicated == 0,
            $"{check.Duplicated} recorded twice; {check.StoredUnacknowledged} recorded though their answer was lost"));
    }

    private static string Describe(IReadOnlyDictionary<string, int> answers) =>
        answers.Count == 0 ? "no answers" : string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Value}× {a.Key}"));

    private static async Task<long> ChainLag(string connection) =>
        await Scalar(connection, "select coalesce(max(seq_id), 0) - coalesce((select last_seq_id from ledger.mt_event_progression where name = 'EventChain:All'), 0) from ledger.mt_events");

    private static async Task<long> WaitForChain(string connection, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        long lag;
        while ((lag = await ChainLag(connection)) > 0 && watch.Elapsed < timeout) await Task.Delay(250);
        return lag;
    }

    private static async Task<long> Scalar(string connection, string sql)
    {
        await using var db = NpgsqlDataSource.Create(connection);
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>An empty ledger with the schema applied, as a deployment leaves it before the first production start.</summary>
    private static async Task Fresh(Options o)
    {
        await using (var db = NpgsqlDataSource.Create(o.Connection))
        await using (var drop = db.CreateCommand($"drop schema if exists {LedgerStore.Schema} cascade"))
            await drop.ExecuteNonQueryAsync();
        await ChildProcess.RunCommandAsync(o.ServiceDll, ["db-apply"], ServiceEnvironment(o));
    }

    private static async Task PgCtl(Options o, string action)
    {
        var pgCtl = Path.Combine(o.PgBin, "pg_ctl");
        var info = o.AsRoot ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", pgCtl]) : new ProcessStartInfo(pgCtl);
        foreach (var a in new[] { "-D", o.PgData, "-l", Path.Combine(o.PgData, "server.log"), "-w", "-t", "60" }.Concat(action.Split(' ')))
            info.ArgumentList.Add(a);
        info.RedirectStandardOutput = true;
        using var process = Process.Start(info)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"pg_ctl {action} failed with {process.ExitCode}");
    }

    private static ChildProcess Start(Options o, int port) => ChildProcess.Start($"service :{port}", o.ServiceDll, [], ServiceEnvironment(o), port);

    private static Dictionary<string, string> ServiceEnvironment(Options o) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Ledger"] = o.Connection,
        ["Auth__SigningKey"] = Settings.Auth.SigningKey!,
        ["Privacy__MasterKey"] = Convert.ToBase64String(Settings.MasterKey),
        ["Credentials__SigningKey"] = Settings.CredentialSigningKey,
        ["Demo__SeedOnStart"] = "false",
        ["Wolverine__TypeLoadMode"] = "Dynamic",
        ["Serilog__MinimumLevel__Default"] = "Warning"
    };

    // ---------------------------------------------------------------- load

    /// <summary>Eight providers' clients: each completion is resent with its reference until it is acknowledged.</summary>
    private sealed class Load
    {
        private static readonly HttpClient Http = new(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
            { Timeout = TimeSpan.FromSeconds(30) };

        private readonly string _apiKey;
        private readonly Guid[] _practitioners;
        private readonly string _run = Guid.NewGuid().ToString("N")[..8];
        private readonly ConcurrentBag<(double At, string Answer, double Ms)> _answers = [];
        private CancellationTokenSource _stop = new();
        private Task[] _workers = [];

        public ConcurrentDictionary<string, bool> Acknowledged { get; } = new();

        private readonly int? _recordLength;

        private Load(string apiKey, Guid[] practitioners, int? recordLength) => (_apiKey, _practitioners, _recordLength) = (apiKey, practitioners, recordLength);

        /// <summary>
        /// Registers a provider and the practitioners. Without a record length each client cycles over its share of
        /// them; with one it fills one practitioner's record to that length, then moves to its next.
        /// </summary>
        public static async Task<Load> Prepare(Uri service, int practitioners = Practitioners, int? recordLength = null)
        {
            var admin = new AuthenticationHeaderValue("Bearer", Settings.Auth.Mint(Roles.Admin, null, "reliability", DateTimeOffset.UtcNow));
            using var register = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/providers")) { Content = Json(new { name = $"Reliability Academy {Guid.NewGuid():N}" }) };
            register.Headers.Authorization = admin;
            using var created = await Http.SendAsync(register);
            created.EnsureSuccessStatusCode();
            var apiKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!;
            var ids = new Guid[practitioners];
            await Parallel.ForAsync(0, practitioners, new ParallelOptions { MaxDegreeOfParallelism = Clients }, async (i, _) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/practitioners"))
                    { Content = Json(new { fullName = $"Reliability Practitioner {i}", email = $"rel{i}.{Guid.NewGuid():N}@example.org" }) };
                request.Headers.Authorization = admin;
                using var response = await Http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            });
            return new Load(apiKey, ids, recordLength);
        }

        private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

        public void Start(Func<int, Uri> target, Stopwatch clock, TimeSpan? perClientInterval = null)
        {
            _stop = new CancellationTokenSource();
            _workers = Enumerable.Range(0, Clients).Select(w => Task.Run(async () =>
            {
                var next = clock.Elapsed;
                for (var n = 0; !_stop.IsCancellationRequested; n++)
                {
                    if (perClientInterval is { } interval)
                    {
                        next += interval;
                        var wait = next - clock.Elapsed;
                        if (wait > TimeSpan.Zero) await Task.Delay(wait);
                    }
                    var reference = $"rel-{_run}-{w}-{n}";
                    var practitioner = _practitioners[_recordLength is { } length
                        ? (w + Clients * (n / length)) % _practitioners.Length
                        : w + Clients * (n % (_practitioners.Length / Clients))];
                    // Resent until acknowledged; a stop only ends the wait between attempts of a completion never answered.
                    for (var attempt = 0; ; attempt++)
                    {
                        var (answer, retryAfter) = await Post(target(w), practitioner, reference, clock);
                        if (answer.StartsWith('2')) { Acknowledged[reference] = true; break; }
                        if (answer is "400" or "401" or "403" or "404" or "409" || _stop.IsCancellationRequested) break;
                        await Task.Delay(retryAfter ?? TimeSpan.FromMilliseconds(200));
                    }
                }
            })).ToArray();
        }

        private async Task<(string Answer, TimeSpan? RetryAfter)> Post(Uri service, Guid practitioner, string reference, Stopwatch clock)
        {
            var at = clock.Elapsed.TotalSeconds;
            var started = Stopwatch.GetTimestamp();
            string answer;
            TimeSpan? retryAfter = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, $"/api/practitioners/{practitioner}/completions"))
                {
                    Content = Json(new
                    {
                        providerReference = reference, course = new { code = "P3O-F", title = "P3O Foundation" }, completedOn = "2025-06-02",
                        outcome = "passed", score = 0.82, cpdPoints = 7.5
                    })
                };
                request.Headers.Add("X-Api-Key", _apiKey);
                using var response = await Http.SendAsync(request);
                answer = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                // Clients honour Retry-After, capped so a long outage is still probed.
                if (response.Headers.RetryAfter?.Delta is { } delta) retryAfter = TimeSpan.FromSeconds(Math.Min(delta.TotalSeconds, 1));
            }
            catch (HttpRequestException e) { answer = e.HttpRequestError == HttpRequestError.ConnectionError ? "refused" : "connection lost"; }
            catch (TaskCanceledException) { answer = "timeout"; }
            _answers.Add((at, answer, Histogram.Ms(started)));
            return (answer, retryAfter);
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_workers);
        }

        public async Task<double> FirstSuccessAfter(double second, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < timeout)
            {
                var first = _answers.Where(a => a.At >= second && a.Answer.StartsWith('2')).Select(a => a.At).DefaultIfEmpty(double.NaN).Min();
                if (!double.IsNaN(first)) return first;
                await Task.Delay(50);
            }
            throw new TimeoutException("no acknowledged completion after the fault");
        }

        public IReadOnlyDictionary<string, int> Answers(double from, double to) =>
            _answers.Where(a => a.At >= from && a.At < to).GroupBy(a => a.Answer).ToDictionary(g => g.Key, g => g.Count());

        public int Count(double from, double to) => _answers.Count(a => a.At >= from && a.At < to);

        public double Percentile(double from, double to, double q)
        {
            var ms = _answers.Where(a => a.At >= from && a.At < to && a.Answer.StartsWith('2')).Select(a => a.Ms).Order().ToArray();
            return ms.Length == 0 ? double.NaN : Math.Round(ms[Math.Min(ms.Length - 1, (int)(q * ms.Length))], 1);
        }
    }
}

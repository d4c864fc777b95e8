using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Xapi;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// xAPI ingest: an LMS POSTs batches of 50 statements to /xapi/statements (HTTP Basic, 2.0.0), each naming a registered
/// practitioner by mbox with the completed verb, so each becomes a completion. The reference does the same database
/// work by hand with Npgsql, in the generator process, with the service's own rules, mapping, decision and folds.
/// Who the statements are about is the population: <paramref name="practitioners"/> learners, split between the workers,
/// each batch naming the worker's learners in turn (docs/benchmarks.md, "xAPI … Round three").
/// </summary>
public sealed class XapiWorkload(HttpClient http, NpgsqlDataSource db, KeyRing keys, int practitioners)
{
    /// <summary>
    /// A cohort: a batch names 50 different learners, and over the phase each record gains a few dozen completions,
    /// a career's worth. The figure the targets are about.
    /// </summary>
    public const int Cohort = 4_096;

    /// <summary>
    /// Long records: at 16 clients each batch names 16 learners about three times, and each record grows by a hundred
    /// completions or more within the phase. Measured to show how the per-write cost grows with a record; no target.
    /// </summary>
    public const int LongRecords = 256;

    public const int BatchSize = 50;
    public const string Name = "POST /xapi/statements, batches of 50 statements (2.0.0, HTTP Basic), each mapped to a completion";

    public const string RawDescription =
        "one connection, three round trips per batch: (1) read the LRS credential (SHA-256 check), the statements' ids and the " +
        "email lookup rows; check, normalise and map each statement with the service's code (StatementRules, StatementMapping), " +
        "seal each actor and build its query document (StatementIndex.Build); (2) read the receipts and, per practitioner, the " +
        "stream version and the four inline documents; decide each completion (CompletionDecision.Decide) and fold with Apply/Evolve; " +
        "(3) one implicit transaction inserting the batch's one mt_streams row, per statement its mt_events row and its XapiStatement " +
        "document, then the receipts and completion events, updating the stream versions, upserting the inline documents once per " +
        "practitioner and the ProviderCompletion documents";

    private readonly string run = Guid.NewGuid().ToString("N")[..8];
    private long sent;
    private string basic = "";
    private string key = "", secret = "";
    private string[] emails = [];

    public async Task PrepareAsync(Uri service)
    {
        Guid providerId;
        using (var register = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/providers"))
               { Content = Json(JsonSerializer.Serialize(new { name = $"Benchmark LMS {run}" })) })
        {
            register.Headers.Authorization = IngestWorkload.Admin;
            using var response = await http.SendAsync(register);
            response.EnsureSuccessStatusCode();
            providerId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        using (var issue = new HttpRequestMessage(HttpMethod.Post, new Uri(service, $"/api/providers/{providerId}/lrs-credentials")))
        {
            issue.Headers.Authorization = IngestWorkload.Admin;
            using var response = await http.SendAsync(issue);
            response.EnsureSuccessStatusCode();
            var created = await response.Content.ReadFromJsonAsync<JsonElement>();
            (key, secret) = (created.GetProperty("key").GetString()!, created.GetProperty("secret").GetString()!);
            basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{key}:{secret}"));
        }

        emails = Enumerable.Range(0, practitioners).Select(i => $"learner{i}.{run}@example.org").ToArray();
        await Parallel.ForAsync(0, practitioners, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/practitioners"))
                { Content = Json(JsonSerializer.Serialize(new { fullName = $"Bench Learner {i}", email = emails[i] })) };
            request.Headers.Authorization = IngestWorkload.Admin;
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        });
    }

    /// <summary>A batch of statements with new ids; each worker names only its own learners, so workers never race on a stream.</summary>
    private string Batch(int worker, int sequence, int concurrency)
    {
        var owned = practitioners / concurrency;
        var statements = new JsonArray();
        for (var j = 0; j < BatchSize; j++)
        {
            var email = emails[worker + concurrency * ((sequence * BatchSize + j) % owned)];
            statements.Add(new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["actor"] = new JsonObject { ["objectType"] = "Agent", ["mbox"] = "mailto:" + email },
                ["verb"] = new JsonObject { ["id"] = "http://adlnet.gov/expapi/verbs/completed", ["display"] = new JsonObject { ["en-GB"] = "completed" } },
                ["object"] = new JsonObject
                {
                    ["objectType"] = "Activity", ["id"] = $"https://lms.example.org/courses/c-{Interlocked.Increment(ref sent) % 40}",
                    ["definition"] = new JsonObject { ["name"] = new JsonObject { ["en-GB"] = "P3O Foundation" } }
                },
                ["result"] = new JsonObject { ["completion"] = true, ["duration"] = "PT7H40M" },
                ["timestamp"] = "2025-06-02T10:00:00Z"
            });
        }
        return statements.ToJsonString();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public LoadGenerator.Operation Service(Uri service, int concurrency) => async (worker, sequence, ct) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/xapi/statements")) { Content = Json(Batch(worker, sequence, concurrency)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        request.Headers.Add(Lrs.VersionHeader, "2.0.0");
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.OK;
    };

    private const string InsertStream =
        "insert into ledger.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived) values ($1, $2, $3, now(), now(), '*DEFAULT*', false)";

    private const string InsertStatement =
        "insert into ledger.mt_doc_xapistatement (id, data, mt_last_modified, mt_dotnet_type, mt_version, provider_id, stored, verb, activity, registration, actor_key_id) " +
        "values ($1, $2, transaction_timestamp(), $3, 1, $4, $5, $6, $7, $8, $9)";

    private static readonly ProviderCompletionProjection ProviderCompletions = new();

    public LoadGenerator.Operation Raw(int concurrency) => async (worker, sequence, ct) =>
    {
        if (JsonNode.Parse(Batch(worker, sequence, concurrency)) is not JsonArray items) return false;
        var statements = new List<JsonObject>(items.Count);
        foreach (var item in items)
        {
            if (StatementRules.Check(item).Count > 0) return false;
            var statement = (JsonObject)item!;
            StatementRules.Normalise(statement);
            statements.Add(statement);
        }
        var ids = statements.Select(s => Guid.Parse(StatementIndex.Text(s["id"])!)).ToArray();
        var lookups = statements.Select(s => keys.EmailLookupKey(ActorIdentity.Of(s["actor"], "").Email!)).ToArray();
        await using var connection = await db.OpenConnectionAsync(ct);

        LrsCredential? credential = null;
        var found = new Dictionary<string, Guid>();
        await using (var read = new NpgsqlBatch(connection))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand("select data from ledger.mt_doc_lrscredential where id = $1") { Parameters = { RawLedger.Param(key) } });
            read.BatchCommands.Add(new NpgsqlBatchCommand("select count(*) from ledger.mt_doc_xapistatement where id = any($1)") { Parameters = { RawLedger.Param(ids) } });
            read.BatchCommands.Add(new NpgsqlBatchCommand("select id, data from ledger.mt_doc_practitioneremail where id = any($1)")
                { Parameters = { RawLedger.Param(lookups.Distinct().ToArray()) } });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) credential = JsonSerializer.Deserialize<LrsCredential>(reader.GetString(0), RawLedger.Json);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct) && reader.GetInt64(0) > 0) return false; // re-sent ids: never, in this workload
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
                found[reader.GetString(0)] = JsonSerializer.Deserialize<PractitionerEmail>(reader.GetString(1), RawLedger.Json)!.PractitionerId;
        }
        if (credential is null || credential.Revoked || !credential.Matches(secret)) return false;

        var userName = $"provider:{credential.ProviderId}";
        var poster = new Poster(credential.ProviderId, credential.ProviderName, userName);
        var correlationId = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        var authority = new JsonObject { ["objectType"] = "Agent", ["account"] = new JsonObject { ["homePage"] = "http://127.0.0.1", ["name"] = credential.ProviderId.ToString() } };
        var completions = new List<(Guid PractitionerId, Completion Completion)>();
        // One transaction, as the service commits a request: the batch's stream and statements, then the completions.
        await using var write = new NpgsqlBatch(connection);
        var batchId = Guid.CreateVersion7();
        write.BatchCommands.Add(new NpgsqlBatchCommand(InsertStream)
            { Parameters = { RawLedger.Param(batchId), RawLedger.Param("xapi_statement"), RawLedger.Param((long)statements.Count) } });
        for (var i = 0; i < statements.Count; i++)
        {
            var statement = statements[i];
            var stored = now.AddTicks(i * 10);
            statement["stored"] = XapiStatementsEndpoints.Stamp(stored);
            statement["authority"] = authority.DeepClone();
            statement["version"] = "2.0.0";
            var practitionerId = found[lookups[i]];
            var mapping = StatementMapping.Map(statement, practitionerId, Clock.DayOf(now));
            if (mapping.Completion is not { } completion) return false;
            completions.Add((practitionerId, completion));

            var body = new JsonObject();
            foreach (var (name, value) in statement.Where(p => p.Key != "actor")) body[name] = value?.DeepClone();
            var e = new XapiStatementStored(ids[i], credential.ProviderId, stored, body.ToJsonString(),
                PersonalText.Of(practitionerId, statement["actor"]!.ToJsonString()), null);
            var doc = StatementIndex.Build(e, keys);
            write.BatchCommands.Add(new NpgsqlBatchCommand(IngestWorkload.InsertEvent)
            {
                Parameters =
                {
                    RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(batchId), RawLedger.Param(i + 1L), RawLedger.Jsonb(JsonSerializer.Serialize(e, RawLedger.Json)),
                    RawLedger.Param(IngestWorkload.EventTypeName(typeof(XapiStatementStored))), RawLedger.Param(now),
                    RawLedger.Param(RawLedger.DotnetType(typeof(XapiStatementStored))), RawLedger.Param(correlationId), RawLedger.Param(userName)
                }
            });
            write.BatchCommands.Add(new NpgsqlBatchCommand(InsertStatement)
            {
                Parameters =
                {
                    RawLedger.Param(doc.Id), RawLedger.Jsonb(JsonSerializer.Serialize(doc, RawLedger.Json)), RawLedger.Param(RawLedger.DotnetType(typeof(XapiStatement))),
                    RawLedger.Param(doc.ProviderId), RawLedger.Param(doc.Stored), RawLedger.Param(doc.Verb), RawLedger.Param(doc.Activity),
                    new NpgsqlParameter { Value = (object?)doc.Registration ?? DBNull.Value }, RawLedger.Param(doc.ActorKeyId)
                }
            });
        }

        var practitioners = completions.Select(c => c.PractitionerId).Distinct().ToArray();
        var docs = practitioners.ToDictionary(p => p, p => new RawLedger.Documents(p));
        await using (var read = new NpgsqlBatch(connection))
        {
            read.BatchCommands.Add(new NpgsqlBatchCommand("select count(*) from ledger.mt_doc_completionreceipt where id = any($1)")
                { Parameters = { RawLedger.Param(completions.Select(c => poster.ReceiptId(c.Completion)).ToArray()) } });
            read.BatchCommands.Add(new NpgsqlBatchCommand("select id, version from ledger.mt_streams where id = any($1)") { Parameters = { RawLedger.Param(practitioners) } });
            foreach (var (table, _, _) in RawLedger.DocumentTables)
                read.BatchCommands.Add(new NpgsqlBatchCommand($"select id, data from {table} where id = any($1)") { Parameters = { RawLedger.Param(practitioners) } });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct) && reader.GetInt64(0) > 0) return false;
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct)) docs[reader.GetGuid(0)].Version = reader.GetInt64(1);
            for (var i = 0; i < RawLedger.DocumentTables.Length; i++)
            {
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct))
                    docs[reader.GetGuid(0)].All[i] = JsonSerializer.Deserialize(reader.GetString(1), RawLedger.DocumentTables[i].Type, RawLedger.Json);
            }
        }

        foreach (var (practitionerId, completion) in completions)
        {
            var state = docs[practitionerId];
            if (CompletionDecision.Decide(completion, practitionerId, state.Practitioner, null, poster, Guid.CreateVersion7(), now) is not CompletionDecision.Record decision
                || decision.Events is not [TrainingCompleted recorded])
                return false;
            var e = RawLedger.Wrap(recorded, practitionerId, state.Version + 1, now, userName);
            state.Apply(e);
            var listed = ProviderCompletions.Evolve(null, recorded.CompletionId, e)!;
            write.BatchCommands.Add(new NpgsqlBatchCommand(IngestWorkload.InsertReceipt)
            {
                Parameters =
                {
                    RawLedger.Param(decision.Receipt.Id), RawLedger.Jsonb(JsonSerializer.Serialize(decision.Receipt, RawLedger.Json)),
                    RawLedger.Param(RawLedger.DotnetType(typeof(CompletionReceipt)))
                }
            });
            write.BatchCommands.Add(new NpgsqlBatchCommand(IngestWorkload.InsertEvent)
            {
                Parameters =
                {
                    RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(practitionerId), RawLedger.Param(e.Version),
                    RawLedger.Jsonb(JsonSerializer.Serialize(recorded, RawLedger.Json)),
                    RawLedger.Param(IngestWorkload.EventTypeName(typeof(TrainingCompleted))), RawLedger.Param(now),
                    RawLedger.Param(RawLedger.DotnetType(typeof(TrainingCompleted))), RawLedger.Param(correlationId), RawLedger.Param(userName)
                }
            });
            IngestWorkload.AddProviderCompletion(write, listed);
        }
        foreach (var state in docs.Values)
        {
            write.BatchCommands.Add(new NpgsqlBatchCommand("update ledger.mt_streams set version = $2, timestamp = now() where id = $1")
                { Parameters = { RawLedger.Param(state.Id), RawLedger.Param(state.Version) } });
            IngestWorkload.AddUpserts(write, state);
        }
        await write.ExecuteNonQueryAsync(ct);
        return true;
    };
}

/// <summary>The xAPI phase: the service against the hand-written reference, runs interleaved, in statements a second.</summary>
public static class XapiPhase
{
    private static readonly int[] Concurrency = [4, 16];

    public static async Task<object> RunAsync(Settings settings, HttpClient http, NpgsqlDataSource db, KeyRing keys, ChildProcess service)
    {
        Console.WriteLine($"\n== xAPI: {XapiWorkload.Name}");
        Console.WriteLine($"  a cohort: {XapiWorkload.Cohort} learners, 50 different ones in each batch");
        var cohort = new XapiWorkload(http, db, keys, XapiWorkload.Cohort);
        await cohort.PrepareAsync(service.BaseAddress);
        var results = new List<object>();
        foreach (var concurrency in settings.Quick ? [4] : Concurrency)
            results.Add(await MeasureAsync(settings, cohort, concurrency, service, "", targets: true));

        Console.WriteLine($"  long records: {XapiWorkload.LongRecords} learners, each record growing by a hundred completions or more");
        var longRecords = new XapiWorkload(http, db, keys, XapiWorkload.LongRecords);
        await longRecords.PrepareAsync(service.BaseAddress);
        var longResults = new List<object>();
        foreach (var concurrency in settings.Quick ? [4] : new[] { 16 })
            longResults.Add(await MeasureAsync(settings, longRecords, concurrency, service, " long records", targets: false));

        return new
        {
            workload = XapiWorkload.Name, rawReference = XapiWorkload.RawDescription,
            population = $"{XapiWorkload.Cohort} learners split between the clients; a batch names 50 different learners", results,
            longRecords = new { population = $"{XapiWorkload.LongRecords} learners split between the clients; at 16 clients a batch names 16 learners about three times each", results = longResults }
        };
    }

    private static async Task<object> MeasureAsync(Settings settings, XapiWorkload workload, int concurrency, ChildProcess service, string label, bool targets)
    {
        var runs = await Interleaved.RunAsync(settings.Runs,
            () => Load(settings, "service POST /xapi/statements", concurrency, workload.Service(service.BaseAddress, concurrency), service),
            () => Load(settings, "raw Npgsql (no HTTP)", concurrency, workload.Raw(concurrency), null));
        var ratio = Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond / x.Raw.RequestsPerSecond));
        var statementsPerSecond = Stats.Median(runs.Select(x => x.Service.RequestsPerSecond * XapiWorkload.BatchSize));
        var rawPerSecond = Stats.Median(runs.Select(x => x.Raw.RequestsPerSecond * XapiWorkload.BatchSize));
        var detail = $"service {statementsPerSecond:0} statements/s (batch p50 {Stats.Median(runs.Select(x => x.Service.P50Ms)):0} ms, " +
                     $"p99 {Stats.Median(runs.Select(x => x.Service.P99Ms)):0} ms, service {Stats.Median(runs.Select(x => x.Service.ServerCores ?? 0)):0.00} cores); raw {rawPerSecond:0} statements/s";
        Console.WriteLine($"  c={concurrency}{label}: {statementsPerSecond:0} statements/s{(targets ? " [target >= 1000]" : "")}; vs raw {ratio}{(targets ? " [target >= 0.5]" : "")}; raw {rawPerSecond:0} statements/s");
        if (targets)
        {
            Summary.AtLeast($"xapi c={concurrency} statements/s vs raw", ratio, 0.5, detail);
            Summary.AtLeast($"xapi c={concurrency} statements/s", Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond * XapiWorkload.BatchSize)), 1000, detail);
        }
        return new
        {
            concurrency, batchSize = XapiWorkload.BatchSize, statementsPerSecond, rawStatementsPerSecond = rawPerSecond, throughputVsRaw = ratio,
            runs = runs.Select(x => new { service = x.Service, raw = x.Raw })
        };
    }

    private static async Task<LoadResult> Load(Settings settings, string target, int concurrency, LoadGenerator.Operation op, ChildProcess? server)
    {
        var result = await LoadGenerator.RunAsync(target, concurrency, settings.Warmup, settings.Duration, op, server);
        Console.WriteLine($"  {result} ({result.RequestsPerSecond * XapiWorkload.BatchSize:0} statements/s)");
        return result;
    }
}

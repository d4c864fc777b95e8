using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The ingest workload, in one place: what the service is sent, and the same database work done
/// by hand with Npgsql for the reference. A provider posts completions
/// (POST /api/practitioners/{id}/completions, X-Api-Key), each with a new providerReference.
/// </summary>
public sealed class IngestWorkload(HttpClient http, NpgsqlDataSource db)
{
    public const string Name = "POST /api/practitioners/{id}/completions (provider X-Api-Key, new providerReference each time)";

    public const string RawDescription =
        "one connection, two round trips: (1) a batch reading the provider's API-key row (SHA-256 check), the receipt for " +
        "provider+reference, the stream version and the four inline documents of the practitioner (Practitioner, profile, timeline, listing); validate and " +
        "decide with the service's own code (CompleteTraining.Parse, CompletionDecision.Decide) and fold with its Apply/Evolve; " +
        "(2) one implicit transaction: insert the receipt, insert into mt_events (seq from mt_events_sequence), update " +
        "mt_streams.version, upsert the four documents and the ProviderCompletion document (the unique (stream_id, version) " +
        "index and the receipt's primary key are the concurrency and idempotency checks)";

    private const int Practitioners = 256;
    private static readonly string AdminToken = Settings.Auth.Mint(Roles.Admin, null, null, DateTimeOffset.UtcNow);
    private readonly string run = Guid.NewGuid().ToString("N")[..8];
    private long posted;
    private string apiKey = "";
    private Guid providerId;

    public Guid[] PractitionerIds { get; private set; } = [];

    /// <summary>The provider's key, for other workloads posting as the same provider.</summary>
    internal string ApiKey => apiKey;

    public static AuthenticationHeaderValue Admin => new("Bearer", AdminToken);

    /// <summary>Registers a provider (keeping its key) and the practitioners the workers post to, through the service.</summary>
    public async Task PrepareAsync(Uri service)
    {
        using (var register = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/providers"))
               { Content = Json(JsonSerializer.Serialize(new { name = $"Benchmark Academy {run}" })) })
        {
            register.Headers.Authorization = Admin;
            using var response = await http.SendAsync(register);
            response.EnsureSuccessStatusCode();
            var created = await response.Content.ReadFromJsonAsync<JsonElement>();
            apiKey = created.GetProperty("apiKey").GetString()!;
            providerId = created.GetProperty("id").GetGuid();
        }

        var ids = new Guid[Practitioners];
        await Parallel.ForAsync(0, Practitioners, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, "/api/practitioners"))
            {
                Content = Json(JsonSerializer.Serialize(new { fullName = $"Bench Practitioner {i}", email = $"bench{i}.{run}@example.org" }))
            };
            request.Headers.Authorization = Admin;
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
        });
        PractitionerIds = ids;
    }

    /// <summary>Each worker owns its own practitioners, so concurrent requests never race on one stream.</summary>
    internal Guid PractitionerFor(int worker, int sequence, int concurrency) =>
        PractitionerIds[worker + concurrency * (sequence % (Practitioners / concurrency))];

    /// <summary>A completion as a provider posts it, with a reference never used before.</summary>
    private string Body() => $$"""
        {"providerReference":"bench-{{run}}-{{Interlocked.Increment(ref posted)}}","course":{"code":"P3O-F","title":"P3O Foundation"},
         "completedOn":"2025-06-02","outcome":"passed","score":0.82,"cpdPoints":7.5,"evidenceUrl":"https://example.org/certificates/p3o-f"}
        """;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public LoadGenerator.Operation Service(Uri service, int concurrency) => async (worker, sequence, ct) =>
    {
        var id = PractitionerFor(worker, sequence, concurrency);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, $"/api/practitioners/{id}/completions")) { Content = Json(Body()) };
        request.Headers.Add(ApiKeyAuthentication.Header, apiKey);
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.Created;
    };

    public LoadGenerator.Operation Empty(Uri reference) => async (_, _, ct) =>
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(reference, "/ref/empty")) { Content = Json(Body()) };
        request.Headers.Add(ApiKeyAuthentication.Header, apiKey);
        using var response = await http.SendAsync(request, ct);
        return response.IsSuccessStatusCode;
    };

    private static readonly string[] Reads =
    [
        "select data from ledger.mt_doc_providerapikey where id = $1",
        "select data from ledger.mt_doc_completionreceipt where id = $1",
        "select version from ledger.mt_streams where id = $1",
        .. RawLedger.DocumentTables.Select(t => $"select data from {t.Table} where id = $1")
    ];

    private static readonly ProviderCompletionProjection ProviderCompletions = new();

    // The header the service's intake writes (credentials settled in the completion's transaction): without it the
    // service's credential relay would take the reference's events for unsettled ones and work on them during the run.
    internal const string InsertEvent =
        "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, " +
        "correlation_id, user_name, headers) values (nextval('ledger.mt_events_sequence'), $1, $2, $3, $4, $5, '*DEFAULT*', $6, $7, false, $8, $9, " +
        "'{\"credentials-settled\": true}'::jsonb)";

    internal const string InsertReceipt =
        "insert into ledger.mt_doc_completionreceipt (id, data, mt_last_modified, mt_version, mt_dotnet_type) " +
        "values ($1, $2, transaction_timestamp(), gen_random_uuid(), $3)";

    private const string UpsertProviderCompletion =
        "insert into ledger.mt_doc_providercompletion (id, data, mt_last_modified, mt_dotnet_type, mt_version, provider_id, completed_on, course_code) " +
        "values ($1, $2, transaction_timestamp(), $3, 1, $4, $5, $6) on conflict (id) do update set data = excluded.data, " +
        "mt_last_modified = excluded.mt_last_modified, provider_id = excluded.provider_id, completed_on = excluded.completed_on, course_code = excluded.course_code";

    public LoadGenerator.Operation Raw(int concurrency) => async (worker, sequence, ct) =>
    {
        var id = PractitionerFor(worker, sequence, concurrency);
        var command = JsonSerializer.Deserialize<CompleteTraining>(Body(), RawLedger.Json)!;
        var today = TimeProvider.System.Today();
        var fields = command.Parse(new Problems(), today) ?? throw new InvalidOperationException("invalid body");
        if (!ProviderApiKey.TryParse(apiKey, out var keyId, out var secret)) return false;
        await using var connection = await db.OpenConnectionAsync(ct);

        var docs = new RawLedger.Documents(id);
        ProviderApiKey? key = null;
        await using (var read = new NpgsqlBatch(connection))
        {
            // The receipt's key needs the provider id: a hand-written service would carry it in the key
            // itself or cache it; here it is known from registration, so all reads go in one batch.
            var receiptId = CompletionReceipt.Key(providerId, fields.ProviderReference);
            for (var i = 0; i < Reads.Length; i++)
                read.BatchCommands.Add(new NpgsqlBatchCommand(Reads[i])
                    { Parameters = { i == 0 ? RawLedger.Param(keyId) : i == 1 ? RawLedger.Param(receiptId) : RawLedger.Param(id) } });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) key = JsonSerializer.Deserialize<ProviderApiKey>(reader.GetString(0), RawLedger.Json);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) return false; // a reference already used: never, in this workload
            await reader.NextResultAsync(ct);
            if (!await docs.ReadAsync(reader, ct)) return false;
        }
        if (key is null || key.Revoked || !key.Matches(secret)) return false;

        var userName = $"provider:{key.ProviderId}";
        var correlationId = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        var poster = new Poster(key.ProviderId, key.ProviderName, userName);
        if (CompletionDecision.Decide(fields, id, docs.Practitioner, null, poster, Guid.CreateVersion7(), now) is not CompletionDecision.Record decision)
            return false;
        // Renewals a completion may imply need certifications, which these practitioners never hold.
        if (decision.Events is not [TrainingCompleted recorded]) throw new InvalidOperationException("The workload's practitioners hold no certifications.");

        var e = RawLedger.Wrap(recorded, id, docs.Version + 1, now, userName);
        docs.Apply(e);
        var completion = ProviderCompletions.Evolve(null, recorded.CompletionId, e)!;

        await using var write = new NpgsqlBatch(connection);
        write.BatchCommands.Add(new NpgsqlBatchCommand(InsertReceipt)
        {
            Parameters =
            {
                RawLedger.Param(decision.Receipt.Id), RawLedger.Jsonb(JsonSerializer.Serialize(decision.Receipt, RawLedger.Json)),
                RawLedger.Param(RawLedger.DotnetType(typeof(CompletionReceipt)))
            }
        });
        write.BatchCommands.Add(new NpgsqlBatchCommand(InsertEvent)
        {
            Parameters =
            {
                RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(id), RawLedger.Param(e.Version),
                RawLedger.Jsonb(JsonSerializer.Serialize(recorded, RawLedger.Json)),
                RawLedger.Param(EventTypeName(typeof(TrainingCompleted))), RawLedger.Param(now),
                RawLedger.Param(RawLedger.DotnetType(typeof(TrainingCompleted))), RawLedger.Param(correlationId), RawLedger.Param(userName)
            }
        });
        write.BatchCommands.Add(new NpgsqlBatchCommand("update ledger.mt_streams set version = $2, timestamp = now() where id = $1")
            { Parameters = { RawLedger.Param(id), RawLedger.Param(docs.Version) } });
        AddUpserts(write, docs);
        AddProviderCompletion(write, completion);
        await write.ExecuteNonQueryAsync(ct);
        return true;
    };

    public static void AddProviderCompletion(NpgsqlBatch batch, ProviderCompletion completion) =>
        batch.BatchCommands.Add(new NpgsqlBatchCommand(UpsertProviderCompletion)
        {
            Parameters =
            {
                RawLedger.Param(completion.Id), RawLedger.Jsonb(JsonSerializer.Serialize(completion, RawLedger.Json)),
                RawLedger.Param(RawLedger.DotnetType(typeof(ProviderCompletion))), RawLedger.Param(completion.ProviderId),
                RawLedger.Param(completion.CompletedOn), RawLedger.Param(completion.CourseCode)
            }
        });

    public static void AddUpserts(NpgsqlBatch batch, RawLedger.Documents docs)
    {
        var documents = docs.All;
        for (var i = 0; i < documents.Length; i++)
        {
            var (table, type, _) = RawLedger.DocumentTables[i];
            batch.BatchCommands.Add(new NpgsqlBatchCommand(RawLedger.Upsert(table))
            {
                Parameters =
                {
                    RawLedger.Param(docs.Id), RawLedger.Jsonb(JsonSerializer.Serialize(documents[i], type, RawLedger.Json)),
                    RawLedger.Param(RawLedger.DotnetType(type)), RawLedger.Param(docs.Version)
                }
            });
        }
    }

    /// <summary>Marten's default event type name: the class name in snake_case (TrainingCompleted → training_completed).</summary>
    public static string EventTypeName(Type type) =>
        string.Concat(type.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

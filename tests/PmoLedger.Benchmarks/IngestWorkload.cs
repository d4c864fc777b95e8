using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// The ingest workload, in one place: what the service is sent, and the same database work done
/// by hand with Npgsql for the reference.
///
/// STAND-IN: until POST /api/practitioners/{id}/completions lands (issue #3), the workload is
/// POST /api/practitioners/{id}/roles (a concurrent role) with an admin JWT. It goes through the
/// same stack a completion will: auth, validation, [WriteAggregate] load, decision, event append,
/// three inline projections, one transaction.
/// </summary>
public sealed class IngestWorkload(HttpClient http, NpgsqlDataSource db)
{
    public const string Name = "stand-in: POST /api/practitioners/{id}/roles (admin JWT; completions route not merged yet)";

    public const string RawDescription =
        "one connection, two round trips: (1) a batch reading the stream version and the Practitioner, PractitionerProfile " +
        "and Timeline documents; decide with the service's own decision code and fold with its Apply/Evolve; (2) one implicit " +
        "transaction: insert into mt_events (seq from mt_events_sequence), update mt_streams.version, upsert the three documents " +
        "(the unique (stream_id, version) index is the optimistic-concurrency check)";

    private const int Practitioners = 256;
    private static readonly string AdminToken = Settings.Auth.Mint(Roles.Admin, null, null, DateTimeOffset.UtcNow);
    private const string UserName = "admin@pmoledger.local";

    private const string Body = """
        {"title":"Benchmark Analyst","roleFamily":"analyst","employmentType":"contract","organisation":"Bench Ltd",
         "industry":"Technology","officeType":"project","startedOn":"2001-02-03","concurrent":true}
        """;

    public Guid[] PractitionerIds { get; private set; } = [];

    public static AuthenticationHeaderValue Admin => new("Bearer", AdminToken);

    /// <summary>Registers the practitioners the workers post to, through the service.</summary>
    public async Task PrepareAsync(Uri service)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
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
    private Guid PractitionerFor(int worker, int sequence, int concurrency) =>
        PractitionerIds[worker + concurrency * (sequence % (Practitioners / concurrency))];

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public LoadGenerator.Operation Service(Uri service, int concurrency) => async (worker, sequence, ct) =>
    {
        var id = PractitionerFor(worker, sequence, concurrency);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, $"/api/practitioners/{id}/roles")) { Content = Json(Body) };
        request.Headers.Authorization = Admin;
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.NoContent;
    };

    public LoadGenerator.Operation Empty(Uri reference) => async (_, _, ct) =>
    {
        using var response = await http.PostAsync(new Uri(reference, "/ref/empty"), Json(Body), ct);
        return response.IsSuccessStatusCode;
    };

    private static readonly string[] Reads =
    [
        "select version from ledger.mt_streams where id = $1",
        .. RawLedger.DocumentTables.Select(t => $"select data from {t.Table} where id = $1")
    ];

    private const string InsertEvent =
        "insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, " +
        "correlation_id, user_name) values (nextval('ledger.mt_events_sequence'), $1, $2, $3, $4, $5, '*DEFAULT*', $6, $7, false, $8, $9)";

    public LoadGenerator.Operation Raw(int concurrency) => async (worker, sequence, ct) =>
    {
        var id = PractitionerFor(worker, sequence, concurrency);
        var command = JsonSerializer.Deserialize<ChangeRole>(Body, RawLedger.Json)!;
        await using var connection = await db.OpenConnectionAsync(ct);

        var docs = new RawLedger.Documents(id);
        await using (var read = new NpgsqlBatch(connection))
        {
            foreach (var sql in Reads) read.BatchCommands.Add(new NpgsqlBatchCommand(sql) { Parameters = { RawLedger.Param(id) } });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return false;
            docs.Version = reader.GetInt64(0);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) docs.Practitioner = JsonSerializer.Deserialize<Practitioner>(reader.GetString(0), RawLedger.Json);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) docs.Profile = JsonSerializer.Deserialize<PractitionerProfile>(reader.GetString(0), RawLedger.Json);
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) docs.Timeline = JsonSerializer.Deserialize<Timeline>(reader.GetString(0), RawLedger.Json);
        }

        var today = TimeProvider.System.Today();
        var started = new RoleStarted(Guid.CreateVersion7(), command.Title!, RoleFamily.Analyst, null, EmploymentType.Contract,
            command.Organisation!, command.Industry!, OfficeType.Project, command.StartedOn!.Value, command.Concurrent ?? false);
        var events = ChangeRoleEndpoint.Decide(docs.Practitioner!, started, today, out _);

        await using var write = new NpgsqlBatch(connection);
        var now = DateTimeOffset.UtcNow;
        var correlation = Guid.NewGuid().ToString();
        foreach (var data in events)
        {
            var e = RawLedger.Wrap(data, id, docs.Version + 1, now, UserName);
            docs.Apply(e);
            write.BatchCommands.Add(new NpgsqlBatchCommand(InsertEvent)
            {
                Parameters =
                {
                    RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(id), RawLedger.Param(e.Version),
                    RawLedger.Jsonb(JsonSerializer.Serialize(data, data.GetType(), RawLedger.Json)),
                    RawLedger.Param(EventTypeName(data.GetType())), RawLedger.Param(now),
                    RawLedger.Param(RawLedger.DotnetType(data.GetType())), RawLedger.Param(correlation), RawLedger.Param(UserName)
                }
            });
        }
        write.BatchCommands.Add(new NpgsqlBatchCommand("update ledger.mt_streams set version = $2, timestamp = now() where id = $1")
            { Parameters = { RawLedger.Param(id), RawLedger.Param(docs.Version) } });
        AddUpserts(write, docs);
        await write.ExecuteNonQueryAsync(ct);
        return true;
    };

    public static void AddUpserts(NpgsqlBatch batch, RawLedger.Documents docs)
    {
        var documents = docs.All;
        for (var i = 0; i < documents.Length; i++)
        {
            var (table, type) = RawLedger.DocumentTables[i];
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

    /// <summary>Marten's default event type name: the class name in snake_case (RoleStarted → role_started).</summary>
    public static string EventTypeName(Type type) =>
        string.Concat(type.Name.Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}

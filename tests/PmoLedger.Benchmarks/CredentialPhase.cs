using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Npgsql;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;
using PmoLedger.Infrastructure;

namespace PmoLedger.Benchmarks;

/// <summary>
/// Credential issuance: a provider awards a certification (POST /api/practitioners/{id}/certifications, X-Api-Key), and
/// the answer comes once the Open Badges credential it calls for is issued: a status-list slot drawn, the VC-JWT signed
/// (RS256), the credential's documents stored. The reference does the same database work and the same signing by hand
/// with Npgsql, in the generator process, with the service's own rules (AwardCertificationEndpoint.Decide,
/// CredentialRules.Settle, OpenBadge, VcJwt) and folds.
/// </summary>
public sealed class CredentialWorkload(HttpClient http, NpgsqlDataSource db, IngestWorkload practitioners)
{
    public const string Name = "POST /api/practitioners/{id}/certifications (provider X-Api-Key): award + credential issued and signed (RS256, 2048-bit key) before the answer";

    public const string RawDescription =
        "one connection, two round trips: (1) a batch reading the provider's API-key row, the stream version, the four inline documents of the " +
        "practitioner and the current status list with its count; validate and decide the award with the service's code, fold it, settle " +
        "credentials with CredentialRules.Settle on the folded state (a random slot in the list), build the Open Badges credential and sign it " +
        "(VcJwt, the service's key); (2) one implicit transaction: insert both events (award, credential issued), update mt_streams.version, " +
        "upsert the four documents, insert the IssuedCredential (its unique (list, index) index is the slot check), CredentialToken and " +
        "AchievementRecord documents and the scheduled expiry/reminder messages as Wolverine incoming envelopes";

    private static readonly SigningKey Key = SigningKey.FromPem(Settings.CredentialSigningKey, "benchmark");
    private static readonly CredentialSettings Issuer = CredentialSettings.From(new ConfigurationBuilder().Build());
    private static readonly IssuedCredentialProjection IssuedCredentials = new();
    private readonly string run = Guid.NewGuid().ToString("N")[..8];
    private long awarded;

    private string Body() => JsonSerializer.Serialize(Command());

    private AwardCertification Command()
    {
        // A new code each time: a practitioner holds any number of different certifications, never one twice.
        var n = Interlocked.Increment(ref awarded);
        return new AwardCertification($"BC-{run}-{n}", "Benchmark Certificate", new DateOnly(2025, 6, 2), $"CERT-{run}-{n}");
    }

    public LoadGenerator.Operation Service(Uri service, int concurrency) => async (worker, sequence, ct) =>
    {
        var id = practitioners.PractitionerFor(worker, sequence, concurrency);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(service, $"/api/practitioners/{id}/certifications"))
            { Content = new StringContent(Body(), Encoding.UTF8, "application/json") };
        request.Headers.Add(ApiKeyAuthentication.Header, practitioners.ApiKey);
        using var response = await http.SendAsync(request, ct);
        return response.StatusCode == HttpStatusCode.Created;
    };

    private static readonly string[] Reads =
    [
        "select data from ledger.mt_doc_providerapikey where id = $1",
        "select version from ledger.mt_streams where id = $1",
        .. RawLedger.DocumentTables.Select(t => $"select data from {t.Table} where id = $1"),
        "select list, (select count(*) from ledger.mt_doc_issuedcredential where (data ->> 'statusList')::integer = list) from " +
        "(select coalesce(max((data ->> 'statusList')::integer), 1) as list from ledger.mt_doc_issuedcredential) as highest"
    ];

    private const string InsertIssuedCredential =
        "insert into ledger.mt_doc_issuedcredential (id, data, mt_last_modified, mt_dotnet_type, mt_version) values ($1, $2, transaction_timestamp(), $3, 1)";

    private const string InsertScheduled =
        "insert into ledger.wolverine_incoming_envelopes (id, status, owner_id, execution_time, attempts, body, message_type, received_at) " +
        "values ($1, 'Scheduled', 0, $2, 0, $3, $4, 'benchmark')";

    /// <summary>A slot drawn at random can be taken; the unique index says so and the award is tried again, as the service retries.</summary>
    public LoadGenerator.Operation Raw(int concurrency) => async (worker, sequence, ct) =>
    {
        var id = practitioners.PractitionerFor(worker, sequence, concurrency);
        while (true)
        {
            try { return await RawAward(id, ct); }
            catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ux_issued_credential_status_slot" }) { }
        }
    };

    private async Task<bool> RawAward(Guid id, CancellationToken ct)
    {
        var command = Command();
        if (!ProviderApiKey.TryParse(practitioners.ApiKey, out var keyId, out var secret)) return false;
        await using var connection = await db.OpenConnectionAsync(ct);

        var docs = new RawLedger.Documents(id);
        ProviderApiKey? apiKey = null;
        var (list, inList) = (1, 0L);
        await using (var read = new NpgsqlBatch(connection))
        {
            for (var i = 0; i < Reads.Length; i++)
            {
                var statement = new NpgsqlBatchCommand(Reads[i]);
                if (i < Reads.Length - 1) statement.Parameters.Add(i == 0 ? RawLedger.Param(keyId) : RawLedger.Param(id));
                read.BatchCommands.Add(statement);
            }
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) apiKey = JsonSerializer.Deserialize<ProviderApiKey>(reader.GetString(0), RawLedger.Json);
            await reader.NextResultAsync(ct);
            if (!await docs.ReadAsync(reader, ct)) return false;
            await reader.NextResultAsync(ct);
            if (await reader.ReadAsync(ct)) (list, inList) = (reader.GetInt32(0), reader.GetInt64(1));
        }
        if (apiKey is null || apiKey.Revoked || !apiKey.Matches(secret) || docs.Practitioner is not { } before) return false;
        if (!ReferenceEquals(AwardCertificationEndpoint.Validate(command, before, TimeProvider.System), Wolverine.Http.WolverineContinue.NoProblems)) return false;

        var userName = $"provider:{apiKey.ProviderId}";
        var correlationId = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow;
        var today = Clock.DayOf(now);
        var award = AwardCertificationEndpoint.Decide(before, command, Guid.CreateVersion7(), apiKey.ProviderId, today);
        var appended = new List<JasperFx.Events.IEvent>();
        foreach (var data in award)
        {
            var e = RawLedger.Wrap(data, id, docs.Version + 1, now, userName);
            docs.Apply(e);
            appended.Add(e);
        }

        var practitioner = docs.Practitioner!;
        var owed = CredentialRules.ToIssue(practitioner, today);
        if (inList >= StatusLists.FillLimit) list++;
        var issuances = owed.Select(_ => new Issuance(Guid.CreateVersion7(), Guid.NewGuid(),
            new StatusSlot(list, RandomNumberGenerator.GetInt32(StatusLists.Entries)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Key.KeyId)).ToList();
        var settled = CredentialRules.Settle(practitioner, today, issuances);
        var achievements = owed.ToDictionary(o => o.Basis, o => o.Achievement);

        await using var write = new NpgsqlBatch(connection);
        foreach (var data in settled)
        {
            var e = RawLedger.Wrap(data, id, docs.Version + 1, now, userName);
            docs.Apply(e);
            appended.Add(e);
            if (data is not CredentialIssued issued) continue;
            var achievement = achievements[issued.Basis];
            var token = new CredentialToken
            {
                Id = issued.CredentialId, PractitionerId = id,
                Jws = VcJwt.Sign(VcJwt.Payload(OpenBadge.Credential(issued, achievement, Issuer)), Key)
            };
            var credential = IssuedCredentials.Evolve(null, issued.CredentialId, e)!;
            write.BatchCommands.Add(Document(InsertIssuedCredential, credential.Id, credential));
            write.BatchCommands.Add(Document(RawLedger.Upsert("ledger.mt_doc_credentialtoken").Replace("$4", "gen_random_uuid()"), token.Id, token));
            var record = AchievementRecord.From(achievement);
            write.BatchCommands.Add(Document(RawLedger.Upsert("ledger.mt_doc_achievementrecord").Replace("$4", "gen_random_uuid()"), record.Id, record));
        }
        foreach (var e in appended)
            write.BatchCommands.Add(new NpgsqlBatchCommand(IngestWorkload.InsertEvent)
            {
                Parameters =
                {
                    RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(id), RawLedger.Param(e.Version),
                    RawLedger.Jsonb(JsonSerializer.Serialize(e.Data, e.Data.GetType(), RawLedger.Json)),
                    RawLedger.Param(IngestWorkload.EventTypeName(e.Data.GetType())), RawLedger.Param(now),
                    RawLedger.Param(RawLedger.DotnetType(e.Data.GetType())), RawLedger.Param(correlationId), RawLedger.Param(userName)
                }
            });
        write.BatchCommands.Add(new NpgsqlBatchCommand("update ledger.mt_streams set version = $2, timestamp = now() where id = $1")
            { Parameters = { RawLedger.Param(id), RawLedger.Param(docs.Version) } });
        IngestWorkload.AddUpserts(write, docs);
        foreach (var scheduled in CertificationRules.Expiries(id, award, now))
            write.BatchCommands.Add(new NpgsqlBatchCommand(InsertScheduled)
            {
                Parameters =
                {
                    RawLedger.Param(Guid.CreateVersion7()), RawLedger.Param(now + scheduled.Delay),
                    RawLedger.Param(JsonSerializer.SerializeToUtf8Bytes(scheduled.Message, scheduled.Message.GetType(), RawLedger.Json)),
                    RawLedger.Param(scheduled.Message.GetType().FullName!)
                }
            });
        await write.ExecuteNonQueryAsync(ct);
        return true;
    }

    private static NpgsqlBatchCommand Document<T>(string sql, object id, T document) => new(sql)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = id }, RawLedger.Jsonb(JsonSerializer.Serialize(document, RawLedger.Json)),
            RawLedger.Param(RawLedger.DotnetType(typeof(T)))
        }
    };
}

/// <summary>The credential phase: awards that issue a credential, the service against the hand-written reference, runs interleaved.</summary>
public static class CredentialPhase
{
    public static async Task<object> RunAsync(Settings settings, HttpClient http, NpgsqlDataSource db, ChildProcess service)
    {
        Console.WriteLine($"\n== Credential issuance: {CredentialWorkload.Name}");
        var practitioners = new IngestWorkload(http, db);
        await practitioners.PrepareAsync(service.BaseAddress);
        var workload = new CredentialWorkload(http, db, practitioners);
        var results = new List<object>();
        foreach (var concurrency in settings.Quick ? [8] : settings.Concurrency)
        {
            var runs = await Interleaved.RunAsync(settings.Runs,
                () => Load(settings, "service POST certifications", concurrency, workload.Service(service.BaseAddress, concurrency), service),
                () => Load(settings, "raw Npgsql (no HTTP)", concurrency, workload.Raw(concurrency), null));
            var ratio = Ratio.Of(runs.Select(x => x.Service.RequestsPerSecond / x.Raw.RequestsPerSecond));
            Console.WriteLine($"  c={concurrency}: issuance throughput vs raw {ratio} [target >= 0.5]");
            Summary.AtLeast($"credential issuance c={concurrency} vs raw", ratio, 0.5,
                $"service {Stats.Median(runs.Select(x => x.Service.RequestsPerSecond)):0} credentials/s (p50 {Stats.Median(runs.Select(x => x.Service.P50Ms)):0.0} ms, " +
                $"p99 {Stats.Median(runs.Select(x => x.Service.P99Ms)):0.0} ms); raw {Stats.Median(runs.Select(x => x.Raw.RequestsPerSecond)):0} credentials/s " +
                $"(p99 {Stats.Median(runs.Select(x => x.Raw.P99Ms)):0.0} ms)");
            results.Add(new { concurrency, throughputVsRaw = ratio, runs = runs.Select(x => new { service = x.Service, raw = x.Raw }) });
        }
        return new { workload = CredentialWorkload.Name, rawReference = CredentialWorkload.RawDescription, results };
    }

    private static async Task<LoadResult> Load(Settings settings, string target, int concurrency, LoadGenerator.Operation op, ChildProcess? server)
    {
        var result = await LoadGenerator.RunAsync(target, concurrency, settings.Warmup, settings.Duration, op, server);
        Console.WriteLine($"  {result}");
        return result;
    }
}

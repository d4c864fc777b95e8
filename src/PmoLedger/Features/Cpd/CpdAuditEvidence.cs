using System.Security.Cryptography;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>Evidence files: PDF, PNG or JPEG recognised by their first bytes, never by name or declared type.</summary>
public static class EvidenceFiles
{
    public const long MaxBytes = 10 * 1024 * 1024;
    public const string Table = "pmo_cpd_evidence";

    // Three fixed signatures: a dependency for file-type sniffing would bring hundreds more than the three accepted.
    private static readonly (string ContentType, byte[] Magic)[] Signatures =
    [
        ("application/pdf", "%PDF-"u8.ToArray()),
        ("image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        ("image/jpeg", [0xFF, 0xD8, 0xFF])
    ];

    /// <summary>The content type the bytes are, or null when they are none of the three accepted.</summary>
    public static string? Sniff(ReadOnlySpan<byte> content)
    {
        foreach (var (type, magic) in Signatures)
            if (content.StartsWith(magic)) return type;
        return null;
    }

    /// <summary>The bytes sealed under the practitioner's data key, bound to the evidence id (so an erasure shreds them too).</summary>
    public static byte[] Seal(byte[] key, Guid evidenceId, byte[] content) => Aead.Wrap(key, content, evidenceId.ToByteArray());

    public static byte[]? Open(byte[] key, Guid evidenceId, byte[] blob) => Aead.Unwrap(key, blob, evidenceId.ToByteArray());

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>The evidence table, created and migrated with the rest of the schema.</summary>
public sealed class CpdEvidenceStorage(StoreOptions options) : FeatureSchemaBase("pmo-cpd-evidence", options.Advanced.Migrator)
{
    protected override IEnumerable<ISchemaObject> schemaObjects()
    {
        var table = new Table(new PostgresqlObjectName(LedgerStore.Schema, EvidenceFiles.Table, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("id").AsPrimaryKey();
        table.AddColumn<Guid>("practitioner_id").NotNull();
        table.AddColumn("sealed", "bytea").NotNull();
        yield return table;
    }
}

public sealed record EvidenceCreated(Guid EvidenceId, string? Sha256, long? Size, string? ContentType);

public static class SubmitCpdEvidenceEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.OnlySelf(id);

    [EndpointSummary("Send evidence for an activity under CPD audit")]
    [EndpointDescription("The practitioner only. multipart/form-data: `activityId`, `note`, and an optional `file` (PDF, PNG or JPEG by content, at most 10 MiB) and/or `evidenceUrl`.")]
    [ProducesResponseType<EvidenceCreated>(201)]
    [WolverinePost("/api/practitioners/{id}/cpd-audits/{auditId}/evidence", OperationId = "submitCpdEvidence")]
    [RequestSizeLimit(EvidenceFiles.MaxBytes + 256 * 1024)]
    [ProducesResponseType<ProblemDetails>(400, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(413, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(415, "application/problem+json")]
    public static async Task<IResult> Post(Guid id, Guid auditId, HttpRequest request, IDocumentSession session, KeyRing keys, TimeProvider clock,
        CancellationToken ct)
    {
        if (!request.HasFormContentType)
            return Results.Problem(Problems.BadRequest("body", "Send the evidence as multipart/form-data with 'activityId', 'note' and a 'file' or an 'evidenceUrl'."));
        var form = await request.ReadFormAsync(ct);
        var audit = await session.LoadAsync<CpdAudit>(auditId, ct);
        if (audit is null || audit.PractitionerId != id) return Results.Problem(Problems.NotFound($"No CPD audit {auditId} for practitioner {id}."));
        if (audit.Outcome is not null) return Results.Problem(Problems.Conflict($"CPD audit {auditId} was concluded ({audit.Outcome.Value.Wire()}); it takes no more evidence."));

        var problems = new Problems();
        var activityText = form["activityId"].ToString();
        problems.Required("activityId", activityText);
        Guid.TryParse(activityText, out var activityId);
        if (activityText.Length > 0 && !audit.Activities.Contains(activityId))
            problems.Add("activityId", $"'{activityText}' is not an activity under this audit; use one of: {string.Join(", ", audit.Activities)}.");
        var note = form["note"].ToString();
        problems.Required("note", note).MaxLength("note", note, 4000);
        var url = form["evidenceUrl"].ToString() is { Length: > 0 } u ? u.Trim() : null;
        problems.Url("evidenceUrl", url);
        var upload = form.Files.GetFile("file");
        if (upload is null && url is null) problems.Add("file", "Attach a 'file' (PDF, PNG or JPEG) or give an 'evidenceUrl'.");
        if (problems.Any) return Results.Problem(problems.ToProblem());

        EvidenceFile? file = null;
        byte[]? content = null;
        if (upload is not null)
        {
            if (upload.Length > EvidenceFiles.MaxBytes)
                return Results.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge, Title = "Evidence file too large",
                    Detail = $"'file' is {upload.Length} bytes; an evidence file may be at most {EvidenceFiles.MaxBytes} bytes (10 MiB). Nothing was recorded."
                });
            await using (var stream = upload.OpenReadStream())
            {
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, ct);
                content = buffer.ToArray();
            }
            if (EvidenceFiles.Sniff(content) is not { } type)
                return Results.Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported evidence file",
                    Detail = "'file' is not a PDF, PNG or JPEG by its content (whatever its name or declared type says). Nothing was recorded."
                });
            file = new EvidenceFile(EvidenceFiles.Sha256(content), content.Length, type);
        }

        var key = keys.Find(id);
        if (key is null) return Results.Problem(Problems.Conflict($"Practitioner {id}'s personal data was erased; evidence can no longer be recorded for them."));
        var stream2 = await session.Events.FetchForWriting<Practitioner>(id, ct);
        var submitted = new CpdEvidenceSubmitted(auditId, Guid.CreateVersion7(), activityId, PersonalText.Of(id, note.Trim()),
            PersonalText.OfOptional(id, url), file, clock.Today());
        stream2.AppendOne(submitted);
        if (content is not null)
            session.QueueSqlCommand($"insert into {LedgerStore.Schema}.{EvidenceFiles.Table} (id, practitioner_id, sealed) values (?, ?, ?)",
                submitted.EvidenceId, id, EvidenceFiles.Seal(key, submitted.EvidenceId, content));
        return Results.Created($"/api/practitioners/{id}/cpd-audits/{auditId}/evidence/{submitted.EvidenceId}",
            new EvidenceCreated(submitted.EvidenceId, file?.Sha256, file?.Size, file?.ContentType));
    }
}

public static class GetCpdEvidenceEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Auditor);

    [EndpointSummary("Download an evidence file")]
    [EndpointDescription("The practitioner and auditors. The bytes exactly as uploaded; their SHA-256 is in the CpdEvidenceSubmitted event.")]
    [ProducesResponseType<byte[]>(200, "application/pdf", "image/png", "image/jpeg")]
    [ProducesResponseType<ProblemDetails>(410, "application/problem+json")]
    [WolverineGet("/api/practitioners/{id}/cpd-audits/{auditId}/evidence/{evidenceId}", OperationId = "getCpdEvidence")]
    public static async Task<IResult> Get(Guid id, Guid auditId, Guid evidenceId, IQuerySession session, KeyRing keys, CancellationToken ct)
    {
        var audit = await session.LoadAsync<CpdAudit>(auditId, ct);
        var item = audit?.PractitionerId == id ? audit.Evidence.FirstOrDefault(e => e.EvidenceId == evidenceId) : null;
        if (item?.File is not { } file) return Results.Problem(Problems.NotFound($"No evidence file {evidenceId} in CPD audit {auditId} of practitioner {id}."));

        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand(
            $"select sealed from {LedgerStore.Schema}.{EvidenceFiles.Table} where id = $1 and practitioner_id = $2", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = evidenceId });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        var blob = await command.ExecuteScalarAsync(ct) as byte[];
        var content = blob is null || keys.Find(id) is not { } key ? null : EvidenceFiles.Open(key, evidenceId, blob);
        if (content is null)
            return Results.Problem(new ProblemDetails
            {
                Status = StatusCodes.Status410Gone, Title = "Gone",
                Detail = "The practitioner's personal data was erased: the evidence file can no longer be read. Its SHA-256, size and type stay in the event."
            });
        return Results.File(content, file.ContentType, $"evidence-{evidenceId}{Extension(file.ContentType)}");
    }

    public static string Extension(string contentType) => contentType switch
    {
        "application/pdf" => ".pdf",
        "image/png" => ".png",
        _ => ".jpg"
    };
}

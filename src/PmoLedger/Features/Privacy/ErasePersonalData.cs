using JasperFx;
using JasperFx.Events;
using PmoLedger.Features.Audit;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Credentials;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Xapi;

namespace PmoLedger.Features.Privacy;

public sealed record ErasePersonalData(string? Reason);

/// <summary>
/// Crypto-shredding (privacy.md "Erasure"): the key is deleted and the erasure recorded in one transaction, so
/// the log keeps every event and its hash chain while the personal data in it can no longer be read. The read
/// models, which may hold plain text, are then rebuilt from the events before the answer.
/// </summary>
public static class ErasePersonalDataEndpoint
{
    public const int MaxReason = 500;

    public static ProblemDetails Validate(ErasePersonalData? command) => command is null
        ? Problems.MissingBody
        : new Problems().Required("reason", command.Reason).MaxLength("reason", command.Reason, MaxReason).ToProblem();

    /// <summary>An erasure is recorded once; erasing again changes nothing.</summary>
    public static PersonalDataErased? Decide(bool keyExists, ErasePersonalData command) =>
        keyExists ? new PersonalDataErased(command.Reason!.Trim()) : null;

    [EndpointSummary("Erase a practitioner's personal data")]
    [EndpointDescription("Admins, with a reason. The practitioner's data key is destroyed and the erasure recorded: every personal field reads \"[erased]\" from then on, while the events and their hash chain stay. Erasing again changes nothing.")]
    [WolverinePost("/api/practitioners/{id}/erase", OperationId = "erasePersonalData")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType(StatusCodes.Status204NoContent)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Post(Guid id, ErasePersonalData command, IDocumentStore store, KeyRing keys,
        ClaimsPrincipal user, TimeProvider clock, ILogger<ErasePersonalData> logger, CancellationToken ct)
    {
        IReadOnlyList<Guid> actorKeys = [];
        // A write racing the erasure moves the stream on: the one retry loop decides again on the new state.
        var refused = await WriteConflicts.Retry<IResult?>(async () =>
        {
            await using var session = WriteConflicts.OpenSession(store, user.Identity?.Name);
            var stream = await session.Events.FetchForWriting<Practitioner>(id, ct);
            if (stream.Aggregate is null) return Results.Problem(Problems.NotFound($"No practitioner {id}."));
            if (Decide(await keys.ExistsAsync(id, ct), command) is not { } erased) return null;
            stream.AppendOne(erased);
            // Read while the key still opens them: the addresses whose xAPI actor keys go too.
            var addresses = StatementActors.Addresses(await session.Events.FetchStreamAsync(id, token: ct)).ToList();
            // Credentials are revoked with the erasure, and their signed copies (which carry the email hash's salt) go.
            stream.AppendMany(CredentialRules.Revocations(stream.Aggregate.Then([erased]), clock.Today()));
            session.DeleteWhere<CredentialToken>(x => x.PractitionerId == id);
            keys.Destroy(session, id);
            session.DeleteWhere<PractitionerEmail>(x => x.PractitionerId == id);
            actorKeys = await StatementActors.ForgetAsync(session, keys, addresses, ct);
            await session.SaveChangesAsync(ct);
            keys.Forget(id);
            foreach (var actorKey in actorKeys) keys.Forget(actorKey);
            return null;
        }, () => Results.Problem(Problems.Conflict("The practitioner's record was busy; nothing was erased. Retry the request.")), logger, ct);
        if (refused is not null) return refused;

        // Also run when the erasure was already recorded, so a retry completes one interrupted after its commit.
        await RefreshReadModelsAsync(store, keys, id, actorKeys, ct);
        return Results.NoContent();
    }

    /// <summary>
    /// Rebuilds the practitioner's documents from their events, which now read "[erased]" wherever the key sealed
    /// something, and replaces the stored ones: exactly what a full projection rebuild would store.
    /// </summary>
    public static async Task RefreshReadModelsAsync(IDocumentStore store, KeyRing keys, Guid id, IReadOnlyList<Guid> actorKeys, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var events = await session.Events.FetchStreamAsync(id, token: ct);
        // The write model is one of them: the CPD ledger and the plan are derived from it when read.
        session.StoreObjects(PastState.ReadModels.Select(model => model.Rebuild(id, events)).OfType<object>());

        var completions = await session.Query<ProviderCompletion>().Where(c => c.PractitionerId == id).ToListAsync(ct);
        foreach (var completion in completions.Where(c => c.EvidenceUrl is not null))
            completion.EvidenceUrl = PersonalText.ErasedMarker;
        session.Store(completions.ToArray());
        await StatementActors.RefreshAsync(session, keys, [id, .. actorKeys], ct);
        await session.SaveChangesAsync(ct);
    }
}

public sealed record Erasure(Guid PractitionerId, DateTimeOffset ErasedAt);

public static class GetErasuresEndpoint
{
    /// <summary>Every erasure recorded, oldest first: the list to re-apply to a database restored from an older backup.</summary>
    [EndpointSummary("List the erasures recorded")]
    [EndpointDescription("Auditors. Oldest first: the list to re-apply to a database restored from an older backup.")]
    [WolverineGet("/api/audit/erasures", OperationId = "getErasures")]
    [Authorize(Roles = Roles.Auditor)]
    public static async Task<IReadOnlyList<Erasure>> Get(IQuerySession session, CancellationToken ct)
    {
        var type = EventTypeExtensions.GetEventTypeName<PersonalDataErased>();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypeName == type)
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events.Select(e => new Erasure(e.StreamId, e.Timestamp)).ToList();
    }
}

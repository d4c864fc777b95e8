using PmoLedger.Features.Certifications;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using Npgsql;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

/// <summary>A provider recorded that the practitioner completed a course. Counts as professional-education CPD.</summary>
public sealed record TrainingCompleted(
    Guid CompletionId, Guid ProviderId, string ProviderName, string ProviderReference,
    string CourseCode, string CourseTitle, DateOnly CompletedOn, TrainingOutcome Outcome,
    decimal? Score, decimal CpdPoints, string? EvidenceUrl) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => CompletedOn;
}

public sealed record CourseInput(string? Code, string? Title);

/// <summary>A completion as a provider posts it. Outcome arrives as a string so an unknown value is a field error.</summary>
public sealed record CompleteTraining(
    string? ProviderReference, CourseInput? Course, DateOnly? CompletedOn, string? Outcome,
    decimal? Score, decimal? CpdPoints, string? EvidenceUrl);

public sealed record CompletionCreated(Guid CompletionId);

/// <summary>A completion that passed validation, trimmed and parsed: what the ledger compares and records.</summary>
public sealed record CompletionFields(
    string ProviderReference, string CourseCode, string CourseTitle, DateOnly CompletedOn, TrainingOutcome Outcome,
    decimal? Score, decimal CpdPoints, string? EvidenceUrl)
{
    /// <summary>Checks a posted completion; the fields come back only when there is nothing to correct.</summary>
    public static CompletionFields? Parse(CompleteTraining c, Problems problems, DateOnly today)
    {
        problems.Required("providerReference", c.ProviderReference).MaxLength("providerReference", c.ProviderReference, 200)
            .Required("course", c.Course)
            .Required("completedOn", c.CompletedOn).NotInFuture("completedOn", c.CompletedOn, today)
            .Url("evidenceUrl", c.EvidenceUrl);
        if (c.Course is { } course)
        {
            problems.Required("course.code", course.Code).MaxLength("course.code", course.Code, 50)
                .Required("course.title", course.Title).MaxLength("course.title", course.Title, 300);
        }
        var outcome = problems.Enum<TrainingOutcome>("outcome", c.Outcome);
        if (c.Score is < 0m or > 1m) problems.Add("score", "'score' must be between 0 and 1.");
        if (c.CpdPoints is { } points && (points < 0m || points > 40m || points * 2 != decimal.Truncate(points * 2)))
            problems.Add("cpdPoints", "'cpdPoints' must be between 0 and 40 in steps of 0.5.");
        if (c.CompletedOn is { } on && on.Year < 1900) problems.Add("completedOn", "'completedOn' is not a plausible date.");

        return problems.Any ? null : new CompletionFields(
            c.ProviderReference!.Trim(), c.Course!.Code!.Trim(), c.Course.Title!.Trim(), c.CompletedOn!.Value, outcome,
            c.Score, c.CpdPoints ?? 0m, string.IsNullOrWhiteSpace(c.EvidenceUrl) ? null : c.EvidenceUrl.Trim());
    }
}

/// <summary>
/// Holds the idempotency key of one posting. Its id, "{providerId}/{providerReference}", is the
/// primary key, so two requests racing with one reference cannot both record a completion:
/// the database refuses the second insert in the same transaction as its event.
/// </summary>
public sealed class CompletionReceipt
{
    public string Id { get; set; } = "";
    public Guid CompletionId { get; set; }
    public Guid PractitionerId { get; set; }
    public Guid ProviderId { get; set; }
    public string BodyHash { get; set; } = "";

    public static string Key(Guid providerId, string providerReference) => $"{providerId}/{providerReference}";
}

/// <summary>The provider that posts, and what goes on the events it causes.</summary>
public sealed record Poster(Guid ProviderId, string ProviderName, string? UserName)
{
    /// <summary>Postings need a provider identity (an API key), not just the provider role.</summary>
    public static ProblemDetails Required(ClaimsPrincipal user) => user.ProviderId() is null
        ? Problems.Forbidden("Only a training provider, authenticated by its API key, may do this.")
        : WolverineContinue.NoProblems;

    public static Poster From(ClaimsPrincipal user) =>
        new(user.ProviderId()!.Value, user.FindFirstValue("provider_name") ?? "", user.Identity?.Name);

    /// <summary>
    /// A session of our own (so a conflict can be retried) recording who posted, as Wolverine's would;
    /// the request's correlation id is stamped on it by the CorrelationListener like on every session.
    /// </summary>
    public IDocumentSession OpenSession(IDocumentStore store)
    {
        var session = store.LightweightSession();
        session.LastModifiedBy = UserName;
        return session;
    }
}

/// <summary>One completion for one practitioner, ready to decide.</summary>
public sealed record Intake(Guid PractitionerId, CompletionFields Fields, Poster Poster)
{
    public string ReceiptId => CompletionReceipt.Key(Poster.ProviderId, Fields.ProviderReference);

    /// <summary>A hash of the canonical body: the same completion posted again hashes the same, any change does not.</summary>
    public string Hash
    {
        get
        {
            var f = Fields;
            var canonical = JsonSerializer.Serialize(new[]
            {
                PractitionerId.ToString(), f.ProviderReference, f.CourseCode, f.CourseTitle, f.CompletedOn.ToString("yyyy-MM-dd"),
                f.Outcome.Wire(), Number(f.Score), Number(f.CpdPoints), f.EvidenceUrl
            });
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
        }
    }

    // 7, 7.0 and 7.00 are the same number and so the same body.
    private static string? Number(decimal? value) => value?.ToString("0.############", CultureInfo.InvariantCulture);
}

/// <summary>What one completion gets: the status it would answer alone, and the id or the problem.</summary>
public sealed record IngestOutcome(int Status, Guid? CompletionId = null, ProblemDetails? Problem = null)
{
    public static IngestOutcome Invalid(ProblemDetails problem) => new(StatusCodes.Status400BadRequest, Problem: problem);

    public static IngestOutcome UnknownPractitioner(string detail) => new(StatusCodes.Status404NotFound, Problem: Problems.NotFound(detail));

    public IResult ToResult() => Status switch
    {
        StatusCodes.Status201Created => Results.Json(new CompletionCreated(CompletionId!.Value), statusCode: Status),
        StatusCodes.Status200OK => Results.Ok(new CompletionCreated(CompletionId!.Value)),
        _ => Results.Problem(Problem!)
    };
}

/// <summary>The decision for one valid completion, given what the ledger already holds. Pure: no I/O.</summary>
public sealed record CompletionDecision(
    IngestOutcome Outcome, TrainingCompleted? Recorded = null, CompletionReceipt? Receipt = null, IReadOnlyList<object>? Implied = null)
{
    /// <summary>
    /// A new completion may also renew a certification (a new pass of its exam, or CPD points that
    /// meet a cycle): those events are decided here too and recorded with it.
    /// </summary>
    public static CompletionDecision Decide(Intake intake, CompletionReceipt? existing, Practitioner? practitioner, DateOnly today)
    {
        var hash = intake.Hash;
        if (existing is not null)
        {
            return existing.BodyHash == hash
                ? new(new IngestOutcome(StatusCodes.Status200OK, existing.CompletionId))
                : new(new IngestOutcome(StatusCodes.Status409Conflict, existing.CompletionId, Problems.Conflict(
                    $"providerReference '{intake.Fields.ProviderReference}' was already used for a different completion ({existing.CompletionId}). Use a new reference, or resend the original body.")));
        }
        if (practitioner is null) return new(IngestOutcome.UnknownPractitioner($"No practitioner {intake.PractitionerId}."));

        var f = intake.Fields;
        var completionId = Guid.CreateVersion7();
        var recorded = new TrainingCompleted(completionId, intake.Poster.ProviderId, intake.Poster.ProviderName, f.ProviderReference,
            f.CourseCode, f.CourseTitle, f.CompletedOn, f.Outcome, f.Score, f.CpdPoints, f.EvidenceUrl);
        var receipt = new CompletionReceipt
        {
            Id = intake.ReceiptId, CompletionId = completionId, PractitionerId = intake.PractitionerId,
            ProviderId = intake.Poster.ProviderId, BodyHash = hash
        };
        return new(new IngestOutcome(StatusCodes.Status201Created, completionId), recorded, receipt,
            CertificationRules.RenewalsFor(practitioner, recorded, today));
    }

    /// <summary>
    /// Stages the events, the receipt and the expiry messages of renewed certifications in the session
    /// (enrolled in Wolverine's outbox); they commit or fail together.
    /// </summary>
    public async Task Stage(IDocumentSession session, IEventStream<Practitioner> stream, IMessageBus? outbox, TimeProvider clock)
    {
        if (Recorded is null) return;
        session.Insert(Receipt!);
        stream.AppendOne(Recorded);
        if (Implied is not { Count: > 0 }) return;
        stream.AppendMany(Implied);
        if (outbox is not null) await CertificationRules.ScheduleExpiries(outbox, stream.Id, Implied, clock);
    }
}

public static class CompletionIngest
{
    // Each round of a race has one winner, so this covers dozens of simultaneous postings for one
    // practitioner; beyond that the caller gets a 409 it can retry.
    public const int Attempts = 30;

    /// <summary>
    /// Records one completion. The receipt's primary key and the stream version are checked by the
    /// database at commit; when either loses a race the attempt starts again from a fresh read, where
    /// a receipt now present answers 200 or 409 and a busy stream (another reference) simply retries.
    /// </summary>
    public static async Task<IngestOutcome> One(IDocumentStore store, IMartenOutbox outbox, TimeProvider clock, Intake intake, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = intake.Poster.OpenSession(store);
            outbox.Enroll(session);
            // One round trip reads both the receipt and the practitioner's stream.
            var batch = session.CreateBatchQuery();
            var receiptLoad = batch.Load<CompletionReceipt>(intake.ReceiptId);
            var streamLoad = batch.Events.FetchForWriting<Practitioner>(intake.PractitionerId);
            await batch.Execute(ct);
            var existing = await receiptLoad;
            if (existing is not null) return CompletionDecision.Decide(intake, existing, null, clock.Today()).Outcome;

            var stream = await streamLoad;
            var decision = CompletionDecision.Decide(intake, null, stream.Aggregate, clock.Today());
            if (decision.Recorded is null) return decision.Outcome;

            await decision.Stage(session, stream, outbox, clock);
            try
            {
                await session.SaveChangesAsync(ct);
                return decision.Outcome;
            }
            catch (Exception e) when (IsConflict(e))
            {
                if (attempt == Attempts)
                    return new IngestOutcome(StatusCodes.Status409Conflict, Problem: Problems.Conflict(
                        "The practitioner's record was busy with other postings; nothing was recorded. Retry the request."));
                await Backoff(attempt, ct);
            }
        }
    }

    /// <summary>A short random pause that grows with the attempt, so racing retries spread out.</summary>
    public static Task Backoff(int attempt, CancellationToken ct) => Task.Delay(Random.Shared.Next(1, 10 * Math.Min(attempt, 10)), ct);

    /// <summary>A stale stream version or a key already taken: the transaction rolled back and can be retried.</summary>
    public static bool IsConflict(Exception e) => e switch
    {
        ConcurrencyException or DocumentAlreadyExistsException or JasperFx.Events.ExistingStreamIdCollisionException => true,
        MartenCommandException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } } => true,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => true,
        _ => false
    };
}

public static class CompleteTrainingEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user) => Poster.Required(user);

    public static ProblemDetails Validate(CompleteTraining? command, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        CompletionFields.Parse(command, problems, clock.Today());
        return problems.ToProblem();
    }

    [EndpointSummary("Post a training completion")]
    [EndpointDescription("Providers. The same providerReference with the same body again answers 200 with the same id and records nothing; with a different body, 409.")]
    [ProducesResponseType<CompletionCreated>(201)]
    [ProducesResponseType<CompletionCreated>(200)]
    [WolverinePost("/api/practitioners/{id}/completions", OperationId = "completeTraining")]
    [Authorize(Roles = Roles.Provider)]
    public static async Task<IResult> Post(Guid id, CompleteTraining command, ClaimsPrincipal user,
        IDocumentStore store, IMartenOutbox outbox, TimeProvider clock, CancellationToken ct)
    {
        var fields = CompletionFields.Parse(command, new Problems(), clock.Today())!;
        var outcome = await CompletionIngest.One(store, outbox, clock, new Intake(id, fields, Poster.From(user)), ct);
        return outcome.ToResult();
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

// The completion intake. Every way a provider posts (one JSON completion, a JSON batch, a CSV
// file) becomes the same Completion command, decided by Decide below and recorded by
// CompletionIntake.Record: read the ledger, decide, commit once, retry the whole if a race was lost.

public sealed record CourseInput(string? Code, string? Title);

/// <summary>A completion as a provider posts it. Outcome arrives as a string so an unknown value is a field error.</summary>
public sealed record CompleteTraining(
    string? ProviderReference, CourseInput? Course, DateOnly? CompletedOn, string? Outcome,
    decimal? Score, decimal? CpdPoints, string? EvidenceUrl)
{
    /// <summary>The command, when there is nothing to correct; otherwise the problems say what.</summary>
    public Completion? Parse(Problems problems, DateOnly today)
    {
        problems.Required("providerReference", ProviderReference).MaxLength("providerReference", ProviderReference, 200)
            .Required("course", Course)
            .Required("completedOn", CompletedOn).NotInFuture("completedOn", CompletedOn, today)
            .Url("evidenceUrl", EvidenceUrl);
        if (Course is { } course)
        {
            problems.Required("course.code", course.Code).MaxLength("course.code", course.Code, 50)
                .Required("course.title", course.Title).MaxLength("course.title", course.Title, 300);
        }
        var outcome = problems.Enum<TrainingOutcome>("outcome", Outcome);
        if (Score is < 0m or > 1m) problems.Add("score", "'score' must be between 0 and 1.");
        if (CpdPoints is { } points && (points < 0m || points > 40m || points * 2 != decimal.Truncate(points * 2)))
            problems.Add("cpdPoints", "'cpdPoints' must be between 0 and 40 in steps of 0.5.");
        if (CompletedOn is { Year: < 1900 }) problems.Add("completedOn", "'completedOn' is not a plausible date.");

        return problems.Any ? null : new Completion(
            ProviderReference!.Trim(), Course!.Code!.Trim(), Course.Title!.Trim(), CompletedOn!.Value, outcome,
            Score, CpdPoints ?? 0m, string.IsNullOrWhiteSpace(EvidenceUrl) ? null : EvidenceUrl.Trim());
    }
}

/// <summary>A completion that passed validation, trimmed and parsed: the command the ledger decides on.</summary>
public sealed record Completion(
    string ProviderReference, string CourseCode, string CourseTitle, DateOnly CompletedOn, TrainingOutcome Outcome,
    decimal? Score, decimal CpdPoints, string? EvidenceUrl)
{
    /// <summary>
    /// The idempotency rule, the only one: a re-send is the same completion when this hash of the
    /// canonical body (and whom it is for) is equal. 7, 7.0 and 7.00 are the same number.
    /// </summary>
    public string Fingerprint(Guid practitionerId)
    {
        static string? Number(decimal? value) => value?.ToString("0.############", CultureInfo.InvariantCulture);
        var canonical = JsonSerializer.Serialize(new[]
        {
            practitionerId.ToString(), ProviderReference, CourseCode, CourseTitle, CompletedOn.ToString("yyyy-MM-dd"),
            Outcome.Wire(), Number(Score), Number(CpdPoints), EvidenceUrl
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

/// <summary>
/// The idempotency key of one posting. Its id, "{providerId}/{providerReference}", is the primary
/// key, so two requests racing with one reference cannot both record a completion: the database
/// refuses the second insert in the same transaction as its event.
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

    public string ReceiptId(Completion completion) => CompletionReceipt.Key(ProviderId, completion.ProviderReference);
}

/// <summary>What the ledger decides about one completion.</summary>
public abstract record CompletionDecision
{
    /// <summary>New: the events to append (the completion and any certification renewal it implies), its receipt, the messages to schedule.</summary>
    public sealed record Record(Guid CompletionId, IReadOnlyList<object> Events, CompletionReceipt Receipt, IReadOnlyList<Scheduled> Messages)
        : CompletionDecision;

    /// <summary>The same completion was posted before: nothing to record.</summary>
    public sealed record Resent(Guid CompletionId) : CompletionDecision;

    /// <summary>The reference was used for a different completion.</summary>
    public sealed record ReferenceTaken(string ProviderReference, Guid CompletionId) : CompletionDecision;

    public sealed record NoSuchPractitioner(string Detail) : CompletionDecision;

    /// <summary>The practitioner's personal data was erased, and the completion carries some (its evidence URL).</summary>
    public sealed record PersonalDataErased(Guid PractitionerId) : CompletionDecision;

    /// <summary>
    /// Pure: the state read from the ledger and the command in, the decision out. The new id and
    /// the time come in as arguments.
    /// </summary>
    public static CompletionDecision Decide(Completion command, Guid practitionerId, Practitioner? practitioner,
        CompletionReceipt? receipt, Poster poster, Guid newCompletionId, DateTimeOffset now)
    {
        var fingerprint = command.Fingerprint(practitionerId);
        if (receipt is not null)
            return receipt.BodyHash == fingerprint ? new Resent(receipt.CompletionId) : new ReferenceTaken(command.ProviderReference, receipt.CompletionId);
        if (practitioner is null) return new NoSuchPractitioner($"No practitioner {practitionerId}.");
        if (practitioner.Erased && command.EvidenceUrl is not null) return new PersonalDataErased(practitionerId);

        var completed = new TrainingCompleted(newCompletionId, poster.ProviderId, poster.ProviderName, command.ProviderReference,
            command.CourseCode, command.CourseTitle, command.CompletedOn, command.Outcome, command.Score, command.CpdPoints,
            PersonalText.OfOptional(practitionerId, command.EvidenceUrl));
        // A new pass of a certification's exam, or CPD points that meet a cycle, renew it there and then.
        IReadOnlyList<object> events = [completed, .. CertificationRules.After(practitioner, [completed], Clock.DayOf(now))];
        var newReceipt = new CompletionReceipt
        {
            Id = poster.ReceiptId(command), CompletionId = newCompletionId, PractitionerId = practitionerId,
            ProviderId = poster.ProviderId, BodyHash = fingerprint
        };
        return new Record(newCompletionId, events, newReceipt, CertificationRules.Expiries(practitionerId, events, now));
    }
}

public sealed record CompletionCreated(Guid CompletionId);

/// <summary>What one completion gets: the status it would answer alone, and the id or the problem.</summary>
public sealed record IngestOutcome(int Status, Guid? CompletionId = null, ProblemDetails? Problem = null)
{
    public static IngestOutcome Invalid(ProblemDetails problem) => new(StatusCodes.Status400BadRequest, Problem: problem);

    public static IngestOutcome NotFound(string detail) => new(StatusCodes.Status404NotFound, Problem: Problems.NotFound(detail));

    public static IngestOutcome Busy => new(StatusCodes.Status409Conflict, Problem: Problems.Conflict(
        "The practitioner's record was busy with other postings; nothing was recorded. Retry the request."));

    public static IngestOutcome Of(CompletionDecision decision) => decision switch
    {
        CompletionDecision.Record r => new(StatusCodes.Status201Created, r.CompletionId),
        CompletionDecision.Resent r => new(StatusCodes.Status200OK, r.CompletionId),
        CompletionDecision.ReferenceTaken t => new(StatusCodes.Status409Conflict, Problem: Problems.Conflict(
            $"providerReference '{t.ProviderReference}' was already used for a different completion ({t.CompletionId}). Use a new reference, or resend the original body.")),
        CompletionDecision.NoSuchPractitioner n => NotFound(n.Detail),
        CompletionDecision.PersonalDataErased e => new(StatusCodes.Status409Conflict, Problem: Problems.Conflict(
            $"Practitioner {e.PractitionerId}'s personal data was erased, so an 'evidenceUrl' (personal data) can no longer be recorded for them; post the completion without it.")),
        _ => throw new ArgumentOutOfRangeException(nameof(decision))
    };

    public IResult ToResult() => Status switch
    {
        StatusCodes.Status201Created or StatusCodes.Status200OK => Results.Json(new CompletionCreated(CompletionId!.Value), statusCode: Status),
        _ => Results.Problem(Problem!)
    };
}

public static class CompleteTrainingEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user) => Poster.Required(user);

    [EndpointSummary("Post a training completion")]
    [EndpointDescription("Providers. The same providerReference with the same body again answers 200 with the same id and records nothing; with a different body, 409.")]
    [ProducesResponseType<CompletionCreated>(201)]
    [ProducesResponseType<CompletionCreated>(200)]
    [WolverinePost("/api/practitioners/{id}/completions", OperationId = "completeTraining")]
    [Authorize(Roles = Roles.Provider)]
    public static async Task<IResult> Post(Guid id, CompleteTraining? body, ClaimsPrincipal user, CompletionIntake intake, CancellationToken ct)
    {
        if (body is null) return Results.Problem(Problems.MissingBody);
        var problems = new Problems();
        if (body.Parse(problems, intake.Today) is not { } completion) return Results.Problem(problems.ToProblem());

        var outcomes = await intake.Record(Poster.From(user), [new IntakeItem(new PractitionerRef(id, null), completion)], ct);
        return outcomes[0].ToResult();
    }
}

using PmoLedger.Features.Certifications;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

public sealed record LogCpdActivity(string? Category, decimal? Points, string? Title, string? Reflection, DateOnly? OccurredOn, string? EvidenceUrl,
    string? CourseCode = null);

public sealed record CpdActivityCreated(Guid ActivityId);

public static class LogCpdActivityEndpoint
{
    public const int MinReflection = 20;

    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.OnlySelf(id);

    public static ProblemDetails Validate(LogCpdActivity? command, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        Check(problems, "", command.Category, command.Points, command.OccurredOn);
        problems.Required("title", command.Title).MaxLength("title", command.Title, 200)
            .MaxLength("courseCode", command.CourseCode, 50)
            .Required("reflection", command.Reflection).MaxLength("reflection", command.Reflection, 4000)
            .Required("occurredOn", command.OccurredOn).NotInFuture("occurredOn", command.OccurredOn, clock.Today())
            .Url("evidenceUrl", command.EvidenceUrl);
        if (command.Reflection is { } reflection && !string.IsNullOrWhiteSpace(reflection) && reflection.Trim().Length < MinReflection)
            problems.Add("reflection", $"'reflection' must say what was learned in at least {MinReflection} characters.");
        return problems.ToProblem();
    }

    /// <summary>
    /// The category and the points under the rule version in force on the activity's date; shared with what-if
    /// simulation, whose field names carry a prefix ("activities[0].").
    /// </summary>
    public static void Check(Problems problems, string prefix, string? category, decimal? points, DateOnly? occurredOn)
    {
        problems.Enum<CpdCategory>($"{prefix}category", category);
        problems.Required($"{prefix}points", points);
        var rules = CpdRuleSet.InForceOn(occurredOn ?? DateOnly.MaxValue);
        if (points is { } p && (p < rules.ActivityMinPoints || p > rules.ActivityMaxPoints || p % rules.ActivityPointStep != 0))
            problems.Add($"{prefix}points", $"'{prefix}points' must be between {rules.ActivityMinPoints} and {rules.ActivityMaxPoints} " +
                                            $"in steps of {rules.ActivityPointStep} (1 point = 1 hour; CPD rules {rules.Version}).");
    }

    [EndpointSummary("Log a CPD activity")]
    [EndpointDescription("The practitioner only.")]
    [ProducesResponseType<CpdActivityCreated>(201)]
    [WolverinePost("/api/practitioners/{id}/cpd", OperationId = "logCpdActivity")]
    public static (IResult, Events, OutgoingMessages) Post(LogCpdActivity command, [WriteAggregate] Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        WireNames.TryParse<CpdCategory>(command.Category, out var category);
        var logged = new CpdActivityLogged(Guid.CreateVersion7(), category, command.Points!.Value,
            PersonalText.Of(practitioner.Id, command.Title!.Trim()), PersonalText.Of(practitioner.Id, command.Reflection!.Trim()),
            command.OccurredOn!.Value, PersonalText.OfOptional(practitioner.Id, command.EvidenceUrl),
            string.IsNullOrWhiteSpace(command.CourseCode) ? null : command.CourseCode.Trim());

        // Points can complete a cycle's CPD and so renew a certification there and then.
        var consequences = CertificationRules.After(practitioner, [logged], Clock.DayOf(now));
        return (Results.Created($"/api/practitioners/{practitioner.Id}/cpd", new CpdActivityCreated(logged.ActivityId)),
            [logged, .. consequences], CertificationRules.Expiries(practitioner.Id, consequences, now).ToOutgoing());
    }
}

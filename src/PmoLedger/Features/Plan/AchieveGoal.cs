using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Plan;

public sealed record EvidenceLink(string? Kind, Guid? Id);

public sealed record AchieveGoal(EvidenceLink? Evidence);

public static class AchieveGoalEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.OnlySelf(id);

    public static ProblemDetails Validate(AchieveGoal? command, Guid goalId, Practitioner practitioner)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems().Required("evidence", command.Evidence);
        if (command.Evidence is { } evidence)
        {
            problems.Enum<EvidenceKind>("evidence.kind", evidence.Kind);
            problems.Required("evidence.id", evidence.Id);
        }
        if (problems.Any) return problems.ToProblem();

        var goal = practitioner.Goals.Find(g => g.GoalId == goalId);
        if (goal is null) return Problems.NotFound($"No goal {goalId} is on this practitioner's plan.");
        if (goal.AchievedOn is { } on) return Problems.Conflict($"That goal was already achieved on {on:yyyy-MM-dd}.");

        WireNames.TryParse<EvidenceKind>(command.Evidence!.Kind, out var kind);
        return OnRecord(practitioner, kind, command.Evidence.Id!.Value)
            ? WolverineContinue.NoProblems
            : Problems.BadRequest("evidence.id", $"No {kind.Wire()} {command.Evidence.Id} is on this practitioner's record.");
    }

    /// <summary>Evidence must be on this practitioner's record; a revoked completion no longer is.</summary>
    public static bool OnRecord(Practitioner practitioner, EvidenceKind kind, Guid id) => kind switch
    {
        EvidenceKind.Completion => practitioner.Cpd.Any(e => e.Id == id && e.Source == CpdSource.Completion && !e.Revoked),
        EvidenceKind.CpdActivity => practitioner.Cpd.Any(e => e.Id == id && e.Source == CpdSource.Activity),
        EvidenceKind.Role => practitioner.Roles.Any(r => r.RoleId == id),
        _ => practitioner.Certifications.Any(c => c.CertificationId == id)
    };

    [EndpointSummary("Mark a goal achieved")]
    [EndpointDescription("The practitioner only, with evidence already on record.")]
    [WolverinePost("/api/practitioners/{id}/goals/{goalId}/achieve", OperationId = "achieveGoal"), EmptyResponse]
    public static GoalAchieved Post(AchieveGoal command, Guid goalId, [WriteAggregate] Practitioner practitioner, TimeProvider clock)
    {
        WireNames.TryParse<EvidenceKind>(command.Evidence!.Kind, out var kind);
        return new GoalAchieved(goalId, kind, command.Evidence.Id!.Value, clock.Today());
    }
}


namespace PmoLedger.Features.Practitioners;

/// <summary>Ends a role with no successor (a career break, a move out of PMO work). Without a roleId every open role ends.</summary>
public sealed record EndRole(DateOnly? EndedOn, Guid? RoleId);

public static class EndRoleEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin);

    public static ProblemDetails Validate(EndRole? command, Practitioner practitioner, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems().Required("endedOn", command.EndedOn).NotInFuture("endedOn", command.EndedOn, clock.Today());
        if (problems.Any) return problems.ToProblem();

        if (command.RoleId is { } roleId && practitioner.Roles.All(r => r.RoleId != roleId))
            return Problems.NotFound($"No role {roleId} is on this practitioner's record.");

        var ending = RolesToEnd(practitioner, command.RoleId).ToList();
        if (ending.Count == 0)
            return Problems.Conflict(command.RoleId is null ? "No role is open." : "That role has already ended.");

        foreach (var role in ending.Where(r => command.EndedOn < r.StartedOn))
            problems.Add("endedOn", $"'endedOn' may not be before the role started ({role.StartedOn:yyyy-MM-dd}).");
        return problems.ToProblem();
    }

    [EndpointSummary("End a role")]
    [EndpointDescription("The practitioner or an admin. Without roleId every open role ends; 409 when none is open.")]
    [WolverinePost("/api/practitioners/{id}/roles/end", OperationId = "endRole"), EmptyResponse]
    public static (Events, OutgoingMessages) Post(EndRole command, [WriteAggregate] Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var events = Decide(practitioner, command.RoleId, command.EndedOn!.Value, Clock.DayOf(now), out var reassessOn);
        return (events, Career.Reassessment(practitioner.Id, reassessOn, now).ToOutgoing());
    }

    /// <summary>Ends the role named (or every open role), and records any career-level step that implies.</summary>
    public static Events Decide(Practitioner practitioner, Guid? roleId, DateOnly endedOn, DateOnly today, out DateOnly? reassessOn)
    {
        var events = new Events();
        foreach (var role in RolesToEnd(practitioner, roleId))
            events.Add(new RoleEnded(role.RoleId, endedOn, EndedBySuccessor: false));

        var (steps, reassess) = practitioner.CareerAfter(events, today);
        events.AddRange(steps);
        reassessOn = reassess;
        return events;
    }

    private static IEnumerable<RoleRecord> RolesToEnd(Practitioner practitioner, Guid? roleId) =>
        practitioner.OpenRoles.Where(r => roleId is null || r.RoleId == roleId);
}

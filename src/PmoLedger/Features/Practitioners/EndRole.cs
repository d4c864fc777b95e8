
namespace PmoLedger.Features.Practitioners;

/// <summary>Ends a role with no successor (a career break, a move out of PMO work). Without a roleId every open role ends.</summary>
public sealed record EndRole(DateOnly? EndedOn, Guid? RoleId);

public sealed record RoleEnded(Guid RoleId, DateOnly EndedOn, bool EndedBySuccessor) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => EndedOn;
}

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
    public static async Task<Events> Post(EndRole command, [WriteAggregate] Practitioner practitioner, TimeProvider clock, IMessageBus bus)
    {
        var events = new Events();
        foreach (var role in RolesToEnd(practitioner, command.RoleId))
            events.Add(new RoleEnded(role.RoleId, command.EndedOn!.Value, EndedBySuccessor: false));

        var (steps, reassessOn) = practitioner.CareerAfter(events, clock.Today());
        events.AddRange(steps);
        await Career.ScheduleReassessment(bus, practitioner.Id, reassessOn, clock);
        return events;
    }

    private static IEnumerable<RolePeriod> RolesToEnd(Practitioner practitioner, Guid? roleId) =>
        practitioner.OpenRoles.Where(r => roleId is null || r.RoleId == roleId);
}

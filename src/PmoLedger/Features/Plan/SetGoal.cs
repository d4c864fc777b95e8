using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Plan;

public sealed record SetGoal(string? Dimension, string? Description, string? TargetRoleFamily, string? TargetLevel, DateOnly? TargetDate);

public sealed record GoalCreated(Guid GoalId);

public static class SetGoalEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.OnlySelf(id);

    public static ProblemDetails Validate(SetGoal? command, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        problems.Enum<DevelopmentDimension>("dimension", command.Dimension);
        problems.Enum<RoleFamily>("targetRoleFamily", command.TargetRoleFamily, required: false);
        problems.Enum<CareerLevel>("targetLevel", command.TargetLevel, required: false);
        problems.Required("description", command.Description).MaxLength("description", command.Description, 2000)
            .Required("targetDate", command.TargetDate);
        // A plan looks forward: a goal already past its date would be born overdue.
        if (command.TargetDate is { } target && target < clock.Today())
            problems.Add("targetDate", $"'targetDate' may not be in the past (today is {clock.Today():yyyy-MM-dd}).");
        return problems.ToProblem();
    }

    [EndpointSummary("Set a development goal")]
    [EndpointDescription("The practitioner only.")]
    [ProducesResponseType<GoalCreated>(201)]
    [WolverinePost("/api/practitioners/{id}/goals", OperationId = "setGoal")]
    public static (IResult, GoalSet) Post(SetGoal command, [WriteAggregate] Practitioner practitioner, TimeProvider clock)
    {
        var set = new GoalSet(Guid.CreateVersion7(), Parse<DevelopmentDimension>(command.Dimension)!.Value,
            PersonalText.Of(practitioner.Id, command.Description!.Trim()),
            Parse<RoleFamily>(command.TargetRoleFamily), Parse<CareerLevel>(command.TargetLevel), command.TargetDate!.Value, clock.Today());
        return (Results.Created($"/api/practitioners/{practitioner.Id}/plan", new GoalCreated(set.GoalId)), set);
    }

    private static T? Parse<T>(string? wire) where T : struct, Enum => WireNames.TryParse<T>(wire, out var value) ? value : null;
}

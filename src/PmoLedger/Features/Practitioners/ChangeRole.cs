
namespace PmoLedger.Features.Practitioners;

/// <summary>Enum-valued fields arrive as strings so an unknown value is a field error, not a parse failure.</summary>
public sealed record ChangeRole(
    string? Title, string? RoleFamily, string? Specialism, string? EmploymentType,
    string? Organisation, string? Industry, string? OfficeType, DateOnly? StartedOn, bool? Concurrent);

/// <summary>Sent to the practitioner's own queue for the day the 2-year threshold is due.</summary>
public sealed record ReassessCareerLevel(Guid PractitionerId);

public static class ChangeRoleEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) => user.SelfOr(id, Roles.Admin);

    public static ProblemDetails Validate(ChangeRole? command, Practitioner practitioner, TimeProvider clock)
    {
        if (command is null) return Problems.MissingBody;
        var problems = new Problems();
        var role = Parse(command, problems, clock.Today());
        if (!problems.Any && !role.Concurrent
            && practitioner.Roles.Where(r => !r.Concurrent).MaxBy(r => r.StartedOn) is { } latest
            && role.StartedOn <= latest.StartedOn)
        {
            problems.Add("startedOn",
                $"A new main role must start after the latest one ({latest.StartedOn:yyyy-MM-dd}); record roles in order, or flag an overlapping role as concurrent.");
        }
        return problems.ToProblem();
    }

    [EndpointSummary("Record a new role")]
    [EndpointDescription("The practitioner or an admin. A new main role ends the open main role the day before it starts; a concurrent role ends nothing.")]
    [WolverinePost("/api/practitioners/{id}/roles", OperationId = "changeRole"), EmptyResponse]
    public static (Events, OutgoingMessages) Post(ChangeRole command, [WriteAggregate] Practitioner practitioner, TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        var started = Parse(command, new Problems(), Clock.DayOf(now)) with { RoleId = Guid.CreateVersion7() };
        var events = Decide(practitioner, started, Clock.DayOf(now), out var reassessOn);
        return (events, Career.Reassessment(practitioner.Id, reassessOn, now).ToOutgoing());
    }

    /// <summary>A new main role ends the open main role the day before it starts; a concurrent one ends nothing.</summary>
    public static Events Decide(Practitioner practitioner, RoleStarted started, DateOnly today, out DateOnly? reassessOn)
    {
        var events = new Events();
        if (!started.Concurrent)
        {
            foreach (var open in practitioner.OpenRoles.Where(r => !r.Concurrent))
                events.Add(new RoleEnded(open.RoleId, Max(open.StartedOn, started.StartedOn.AddDays(-1)), EndedBySuccessor: true));
        }
        events.Add(started);

        var (steps, reassess) = practitioner.CareerAfter(events, today);
        events.AddRange(steps);
        reassessOn = reassess;
        return events;
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static RoleStarted Parse(ChangeRole c, Problems problems, DateOnly today)
    {
        problems.Required("title", c.Title).MaxLength("title", c.Title, 200)
            .Required("organisation", c.Organisation).MaxLength("organisation", c.Organisation, 200)
            .Required("industry", c.Industry).MaxLength("industry", c.Industry, 200)
            .Required("startedOn", c.StartedOn).NotInFuture("startedOn", c.StartedOn, today);
        var family = problems.Enum<RoleFamily>("roleFamily", c.RoleFamily);
        var employment = problems.Enum<EmploymentType>("employmentType", c.EmploymentType);
        var office = problems.Enum<OfficeType>("officeType", c.OfficeType);
        Specialism? specialism = c.Specialism is null ? null : problems.Enum<Specialism>("specialism", c.Specialism);
        if (family == RoleFamily.Specialist && c.Specialism is null)
            problems.Add("specialism", "A specialist role needs a 'specialism'; use one of: " + WireNames.Allowed<Specialism>() + ".");

        var role = new RoleStarted(Guid.Empty, c.Title?.Trim() ?? "", family, specialism, employment,
            c.Organisation?.Trim() ?? "", c.Industry?.Trim() ?? "", office, c.StartedOn ?? default, c.Concurrent ?? false);
        return role;
    }
}

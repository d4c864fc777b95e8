using System.Collections.Immutable;

namespace PmoLedger.Features.Practitioners;

/// <summary>A role as the record keeps it: everything product.md records about a period of work.</summary>
public sealed record RoleRecord(
    Guid RoleId, string Title, RoleFamily RoleFamily, Specialism? Specialism, EmploymentType EmploymentType,
    string Organisation, string Industry, OfficeType OfficeType, DateOnly StartedOn, DateOnly? EndedOn, bool Concurrent)
{
    public RolePeriod Period => new(RoleId, RoleFamily, StartedOn, EndedOn, Concurrent);
}

/// <summary>A period of work as the career rules see it. EndedOn is inclusive; null while open.</summary>
public sealed record RolePeriod(Guid RoleId, RoleFamily Family, DateOnly StartedOn, DateOnly? EndedOn, bool Concurrent)
{
    public bool CoversDay(DateOnly day) => StartedOn <= day && (EndedOn is null || day <= EndedOn);
}

/// <summary>
/// The career rules of product.md as pure functions of the role history, so the aggregate,
/// the read models and the audit views all derive experience and levels the same way.
/// </summary>
public static class Career
{
    /// <summary>
    /// The one fold of role events (other events leave the roles as they are): the aggregate and the
    /// profile keep the same list, and the career rules read its periods.
    /// </summary>
    public static ImmutableList<RoleRecord> Fold(ImmutableList<RoleRecord> roles, object e) => e switch
    {
        RoleStarted s => roles.Add(new RoleRecord(s.RoleId, s.Title, s.RoleFamily, s.Specialism, s.EmploymentType,
            s.Organisation, s.Industry, s.OfficeType, s.StartedOn, null, s.Concurrent)),
        RoleEnded x when roles.FindIndex(r => r.RoleId == x.RoleId) is var i and >= 0 => roles.SetItem(i, roles[i] with { EndedOn = x.EndedOn }),
        _ => roles
    };

    public static IReadOnlyList<RolePeriod> Periods(this IEnumerable<RoleRecord> roles) => roles.Select(r => r.Period).ToList();

    /// <summary>Two years of PMO experience move a practitioner from entry to working.</summary>
    public const int WorkingThresholdDays = 2 * 365;

    /// <summary>Days of PMO experience before <paramref name="day"/>: the union of role periods, overlaps counted once.</summary>
    public static int ExperienceDays(IReadOnlyCollection<RolePeriod> roles, DateOnly day)
    {
        var total = 0;
        foreach (var (start, endExclusive) in Merged(roles, day))
            total += endExclusive.DayNumber - start.DayNumber;
        return total;
    }

    /// <summary>Years with two decimals, truncated so the figure never shows 2.00 before the level changes.</summary>
    public static decimal ExperienceYears(IReadOnlyCollection<RolePeriod> roles, DateOnly day) =>
        Math.Floor(ExperienceDays(roles, day) * 100m / 365m) * 0.01m; // always two decimals on the wire

    /// <summary>The role that sets the career level on a day: the open non-concurrent role, else the latest concurrent one.</summary>
    public static RolePeriod? PrimaryRoleOn(IEnumerable<RolePeriod> roles, DateOnly day)
    {
        RolePeriod? best = null;
        foreach (var role in roles.Where(r => r.CoversDay(day)))
        {
            if (best is null
                || (best.Concurrent && !role.Concurrent)
                || (best.Concurrent == role.Concurrent && role.StartedOn >= best.StartedOn))
                best = role;
        }
        return best;
    }

    public static CareerLevel LevelOn(IReadOnlyCollection<RolePeriod> roles, DateOnly day) =>
        PrimaryRoleOn(roles, day)?.Family switch
        {
            RoleFamily.Director => CareerLevel.Directing,
            RoleFamily.Manager => CareerLevel.Managing,
            _ => ExperienceDays(roles, day) >= WorkingThresholdDays ? CareerLevel.Working : CareerLevel.Entry
        };

    /// <summary>
    /// The date experience reaches the working threshold if every open role carries on,
    /// or null when it never will (no open role) or already has.
    /// </summary>
    public static DateOnly? WorkingThresholdDate(IReadOnlyCollection<RolePeriod> roles)
    {
        var accumulated = 0;
        foreach (var (start, endExclusive) in Merged(roles, DateOnly.MaxValue))
        {
            var length = endExclusive.DayNumber - start.DayNumber;
            if (accumulated + length >= WorkingThresholdDays)
                return start.AddDays(WorkingThresholdDays - accumulated);
            accumulated += length;
        }
        return null;
    }

    /// <summary>Every change of career level from the first role up to and including <paramref name="upTo"/>.</summary>
    public static IReadOnlyList<(DateOnly EffectiveOn, CareerLevel Level)> LevelSteps(
        IReadOnlyCollection<RolePeriod> roles, DateOnly upTo)
    {
        if (roles.Count == 0) return [];

        var changePoints = new SortedSet<DateOnly>();
        foreach (var role in roles)
        {
            changePoints.Add(role.StartedOn);
            if (role.EndedOn is { } ended && ended < DateOnly.MaxValue) changePoints.Add(ended.AddDays(1));
        }
        if (WorkingThresholdDate(roles) is { } threshold) changePoints.Add(threshold);

        var steps = new List<(DateOnly, CareerLevel)>();
        CareerLevel? previous = null;
        foreach (var day in changePoints.Where(d => d <= upTo))
        {
            var level = LevelOn(roles, day);
            if (level != previous) steps.Add((day, level));
            previous = level;
        }
        return steps;
    }

    /// <summary>Role periods merged into disjoint half-open ranges [start, end), clipped at <paramref name="before"/>.</summary>
    private static IEnumerable<(DateOnly Start, DateOnly EndExclusive)> Merged(IEnumerable<RolePeriod> roles, DateOnly before)
    {
        DateOnly? currentStart = null, currentEnd = null;
        foreach (var role in roles.OrderBy(r => r.StartedOn))
        {
            if (role.StartedOn >= before) break;
            var end = role.EndedOn is { } e && e < before ? e.AddDays(1) : before;
            if (currentEnd is { } ce && role.StartedOn <= ce)
            {
                if (end > ce) currentEnd = end;
                continue;
            }
            if (currentStart is { } cs) yield return (cs, currentEnd!.Value);
            currentStart = role.StartedOn;
            currentEnd = end;
        }
        if (currentStart is { } s) yield return (s, currentEnd!.Value);
    }

    /// <summary>
    /// A durable scheduled message for the day a level is due. The delay is measured on the
    /// ledger's clock, so tests that move that clock see the message fire in real seconds.
    /// </summary>
    public static IReadOnlyList<Scheduled> Reassessment(Guid practitionerId, DateOnly? on, DateTimeOffset now) =>
        on is { } day ? [Scheduled.At(new ReassessCareerLevel(practitionerId), day, now)] : [];
}

using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Practitioners;

/// <summary>The career rules as plain functions and aggregate decisions: no database.</summary>
public class CareerTests
{
    private static readonly DateOnly Today = new(2026, 6, 1);

    private static RolePeriod Role(RoleFamily family, string start, string? end = null, bool concurrent = false) =>
        new(Guid.NewGuid(), family, DateOnly.Parse(start), end is null ? null : DateOnly.Parse(end), concurrent);

    [Fact]
    public void experience_counts_overlapping_roles_once()
    {
        var roles = new[]
        {
            Role(RoleFamily.Analyst, "2020-01-01", "2020-12-31"),
            Role(RoleFamily.Specialist, "2020-07-01", "2021-06-30", concurrent: true)
        };
        // 2020-01-01 .. 2021-06-30 inclusive: 547 days, not 366 + 365.
        Career.ExperienceDays(roles, new DateOnly(2030, 1, 1)).ShouldBe(547);
        Career.ExperienceYears(roles, new DateOnly(2030, 1, 1)).ShouldBe(1.49m);
    }

    [Fact]
    public void experience_skips_gaps_between_roles()
    {
        var roles = new[]
        {
            Role(RoleFamily.Administrator, "2019-01-01", "2019-12-31"),
            Role(RoleFamily.Analyst, "2021-01-01")
        };
        Career.ExperienceDays(roles, new DateOnly(2021, 1, 11)).ShouldBe(365 + 10);
    }

    [Fact]
    public void experience_counts_only_days_before_the_date()
    {
        var roles = new[] { Role(RoleFamily.Analyst, "2024-01-01") };
        Career.ExperienceDays(roles, new DateOnly(2024, 1, 1)).ShouldBe(0);
        Career.ExperienceDays(roles, new DateOnly(2024, 1, 2)).ShouldBe(1);
    }

    [Theory]
    [InlineData(RoleFamily.Director, CareerLevel.Directing)]
    [InlineData(RoleFamily.Manager, CareerLevel.Managing)]
    [InlineData(RoleFamily.Analyst, CareerLevel.Entry)]
    [InlineData(RoleFamily.Specialist, CareerLevel.Entry)]
    public void a_new_practitioners_level_follows_the_role_family(RoleFamily family, CareerLevel expected) =>
        Career.LevelOn([Role(family, "2026-01-01")], Today).ShouldBe(expected);

    [Fact]
    public void two_years_of_experience_make_an_analyst_working()
    {
        var roles = new[] { Role(RoleFamily.Analyst, "2023-01-01") };
        var threshold = new DateOnly(2023, 1, 1).AddDays(730);
        Career.WorkingThresholdDate(roles).ShouldBe(threshold);
        Career.LevelOn(roles, threshold.AddDays(-1)).ShouldBe(CareerLevel.Entry);
        Career.LevelOn(roles, threshold).ShouldBe(CareerLevel.Working);
        Career.ExperienceYears(roles, threshold.AddDays(-1)).ShouldBe(1.99m);
        Career.ExperienceYears(roles, threshold).ShouldBe(2.00m);
    }

    [Fact]
    public void the_threshold_date_accounts_for_gaps_and_overlaps()
    {
        var roles = new[]
        {
            Role(RoleFamily.Administrator, "2020-01-01", "2020-12-31"),           // 366 days (leap year)
            Role(RoleFamily.Analyst, "2020-06-01", "2021-03-31", concurrent: true), // overlaps, adds 2021-01-01..03-31 = 90
            Role(RoleFamily.Analyst, "2022-01-01")                                 // 730 - 456 = 274 more days
        };
        Career.WorkingThresholdDate(roles).ShouldBe(new DateOnly(2022, 1, 1).AddDays(274));
    }

    [Fact]
    public void a_career_with_no_open_role_never_reaches_the_threshold_by_itself()
    {
        var roles = new[] { Role(RoleFamily.Analyst, "2025-01-01", "2025-06-30") };
        Career.WorkingThresholdDate(roles).ShouldBeNull();
    }

    [Fact]
    public void the_primary_role_is_the_main_role_not_a_concurrent_one()
    {
        var main = Role(RoleFamily.Analyst, "2025-01-01");
        var side = Role(RoleFamily.Director, "2025-06-01", concurrent: true);
        Career.PrimaryRoleOn([main, side], Today).ShouldBe(main);
        Career.LevelOn([main, side], Today).ShouldBe(CareerLevel.Entry);
    }

    [Fact]
    public void level_steps_walk_a_whole_career()
    {
        var roles = new[]
        {
            Role(RoleFamily.Administrator, "2014-01-01", "2016-12-31"),
            Role(RoleFamily.Analyst, "2017-01-01", "2019-12-31"),
            Role(RoleFamily.Manager, "2020-01-01", "2022-12-31"),
            Role(RoleFamily.Director, "2023-01-01")
        };
        Career.LevelSteps(roles, Today).ShouldBe(
        [
            (new DateOnly(2014, 1, 1), CareerLevel.Entry),
            (new DateOnly(2014, 1, 1).AddDays(730), CareerLevel.Working),
            (new DateOnly(2020, 1, 1), CareerLevel.Managing),
            (new DateOnly(2023, 1, 1), CareerLevel.Directing)
        ]);
    }

    [Fact]
    public void ending_a_managers_role_drops_back_to_working()
    {
        var roles = new[]
        {
            Role(RoleFamily.Analyst, "2018-01-01", "2021-12-31"),
            Role(RoleFamily.Manager, "2022-01-01", "2025-12-31")
        };
        Career.LevelSteps(roles, Today)[^1].ShouldBe((new DateOnly(2026, 1, 1), CareerLevel.Working));
    }

    // ---- decisions of the aggregate ----

    private static Practitioner NewPractitioner() =>
        Practitioner.Fold(null, new PractitionerRegistered(Guid.Empty, PersonalText.Of(Guid.Empty, "Ada"), PersonalText.Of(Guid.Empty, "ada@example.org"), Today))!;

    private static RoleStarted Started(RoleFamily family, DateOnly on, bool concurrent = false) =>
        new(Guid.NewGuid(), "Role", family, null, EmploymentType.Permanent, "Acme", "Technology", OfficeType.Programme, on, concurrent);

    private static Practitioner Apply(Practitioner p, IEnumerable<object> events) => p.Then(events);

    [Fact]
    public void a_new_main_role_ends_the_previous_one_the_day_before()
    {
        var p = NewPractitioner();
        var first = Started(RoleFamily.Administrator, new DateOnly(2025, 1, 1));
        p = Apply(p, ChangeRoleEndpoint.Decide(p, first, Today, out _));

        var events = ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, new DateOnly(2025, 9, 1)), Today, out _);

        events.OfType<RoleEnded>().Single().ShouldBe(new RoleEnded(first.RoleId, new DateOnly(2025, 8, 31), EndedBySuccessor: true));
    }

    [Fact]
    public void a_concurrent_role_ends_nothing()
    {
        var p = NewPractitioner();
        p = Apply(p, ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, new DateOnly(2025, 1, 1)), Today, out _));

        var events = ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Specialist, new DateOnly(2025, 9, 1), concurrent: true), Today, out _);

        events.OfType<RoleEnded>().ShouldBeEmpty();
    }

    [Fact]
    public void a_first_role_starts_the_career_at_its_level()
    {
        var p = NewPractitioner();
        var events = ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, new DateOnly(2026, 1, 1)), Today, out var reassessOn);

        events.OfType<CareerLevelReached>().Single().ShouldBe(new CareerLevelReached(CareerLevel.Entry, null, new DateOnly(2026, 1, 1)));
        reassessOn.ShouldBe(new DateOnly(2026, 1, 1).AddDays(730));
    }

    [Fact]
    public void a_crossing_already_past_is_recorded_at_once_with_its_own_date()
    {
        var p = NewPractitioner();
        var events = ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, new DateOnly(2020, 3, 1)), Today, out var reassessOn);

        events.OfType<CareerLevelReached>().ShouldBe(
        [
            new CareerLevelReached(CareerLevel.Entry, null, new DateOnly(2020, 3, 1)),
            new CareerLevelReached(CareerLevel.Working, CareerLevel.Entry, new DateOnly(2020, 3, 1).AddDays(730))
        ]);
        reassessOn.ShouldBeNull();
    }

    [Fact]
    public void a_manager_is_not_rescheduled_for_the_working_threshold()
    {
        var p = NewPractitioner();
        ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Manager, new DateOnly(2026, 1, 1)), Today, out var reassessOn);
        reassessOn.ShouldBeNull();
    }

    [Fact]
    public void reconciling_twice_records_nothing_new()
    {
        var p = NewPractitioner();
        p = Apply(p, ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, new DateOnly(2020, 3, 1)), Today, out _));

        p.CareerAfter([], Today).Steps.ShouldBeEmpty();
        p.CareerAfter([], Today.AddYears(3)).Steps.ShouldBeEmpty();
    }

    [Fact]
    public void reassessing_on_the_threshold_day_records_the_crossing()
    {
        var p = NewPractitioner();
        var start = new DateOnly(2026, 1, 1);
        p = Apply(p, ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, start), Today, out var reassessOn));

        p.CareerAfter([], reassessOn!.Value.AddDays(-1)).Steps.ShouldBeEmpty();
        p.CareerAfter([], reassessOn.Value).Steps.ShouldBe([new CareerLevelReached(CareerLevel.Working, CareerLevel.Entry, start.AddDays(730))]);
    }

    [Fact]
    public void a_back_dated_role_corrects_the_level_from_the_last_recorded_step_not_from_today()
    {
        var p = NewPractitioner();
        var mainStart = Today.AddDays(-180);
        p = Apply(p, ChangeRoleEndpoint.Decide(p, Started(RoleFamily.Analyst, mainStart), Today, out _));

        var earlier = Started(RoleFamily.Specialist, Today.AddYears(-6), concurrent: true);
        var events = ChangeRoleEndpoint.Decide(p, earlier, Today, out _);

        events.OfType<CareerLevelReached>().ShouldBe([new CareerLevelReached(CareerLevel.Working, CareerLevel.Entry, mainStart)]);
    }
}

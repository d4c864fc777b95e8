using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>The CPD arithmetic as a pure function of (rule set, entries, cycle).</summary>
public class CpdSchemeTests
{
    private static readonly CpdRuleSet Rules = CpdRuleSet.Axelos2024;
    private static readonly DateOnly Start = new(2024, 3, 1);
    private static readonly DateOnly RenewBy = new(2027, 3, 1);

    private static CpdEntry Entry(CpdCategory category, decimal points, string on, bool revoked = false,
        CpdSource source = CpdSource.Activity) =>
        new(Guid.NewGuid(), source, category, points, DateOnly.Parse(on), "entry", revoked);

    private static CpdEntry Experience(decimal points, string on) => Entry(CpdCategory.ProfessionalExperience, points, on);
    private static CpdEntry Education(decimal points, string on) => Entry(CpdCategory.ProfessionalEducation, points, on);
    private static CpdEntry Community(decimal points, string on) => Entry(CpdCategory.Community, points, on);

    private static PeriodResult FirstPeriod(params CpdEntry[] entries) => CpdScheme.Evaluate(Rules, entries, Start, RenewBy).Periods[0];

    [Fact]
    public void a_cycle_has_three_twelve_month_periods_ending_the_day_before_the_next()
    {
        var periods = CpdScheme.Evaluate(Rules, [], Start, RenewBy).Periods;
        periods.Select(p => (p.Start, p.End)).ShouldBe(
        [
            (new DateOnly(2024, 3, 1), new DateOnly(2025, 2, 28)),
            (new DateOnly(2025, 3, 1), new DateOnly(2026, 2, 28)),
            (new DateOnly(2026, 3, 1), new DateOnly(2027, 2, 28))
        ]);
    }

    [Fact]
    public void a_cycle_starting_on_29_february_does_not_drift()
    {
        var start = new DateOnly(2024, 2, 29);
        var periods = CpdScheme.Evaluate(Rules, [], start, start.AddYears(3)).Periods;
        periods.Select(p => (p.Start, p.End)).ShouldBe(
        [
            (new DateOnly(2024, 2, 29), new DateOnly(2025, 2, 27)),
            (new DateOnly(2025, 2, 28), new DateOnly(2026, 2, 27)),
            (new DateOnly(2026, 2, 28), new DateOnly(2027, 2, 27))
        ]);
    }

    [Fact]
    public void an_entry_on_a_boundary_belongs_to_the_period_that_starts_that_day()
    {
        var cycle = CpdScheme.Evaluate(Rules, [Experience(3, "2025-02-28"), Experience(4, "2025-03-01"), Experience(5, "2027-02-28")], Start, RenewBy);
        cycle.Periods.Select(p => p.CountedPoints).ShouldBe([3m, 4m, 5m]);
    }

    [Fact]
    public void entries_outside_the_cycle_count_nowhere_in_it()
    {
        var cycle = CpdScheme.Evaluate(Rules, [Experience(3, "2024-02-29"), Experience(4, "2027-03-01")], Start, RenewBy);
        cycle.Periods.Sum(p => p.CountedPoints).ShouldBe(0m);
        cycle.Periods.SelectMany(p => p.Entries).ShouldBeEmpty();
    }

    [Fact]
    public void entries_outside_every_cycle_are_listed_as_uncounted()
    {
        var inside = Experience(3, "2024-06-01");
        var before = Experience(4, "2024-02-29");
        var between = Experience(5, "2027-06-01");
        CpdScheme.OutsideCycles([inside, before, between], [(Start, RenewBy), (new DateOnly(2028, 1, 1), new DateOnly(2031, 1, 1))])
            .ShouldBe([before, between]);
    }

    [Fact]
    public void a_period_is_met_at_twenty_counted_points_with_five_of_experience()
    {
        var met = FirstPeriod(Experience(5, "2024-04-01"), Education(15, "2024-05-01"));
        met.CountedPoints.ShouldBe(20m);
        met.Met.ShouldBeTrue();
        met.MetOn.ShouldBe(new DateOnly(2024, 5, 1));

        FirstPeriod(Experience(5, "2024-04-01"), Education(14.5m, "2024-05-01")).Met.ShouldBeFalse();
    }

    [Fact]
    public void twenty_points_without_five_of_experience_are_not_enough()
    {
        var period = FirstPeriod(Experience(4.5m, "2024-04-01"), Education(15, "2024-05-01"), Community(15, "2024-06-01"));
        period.CountedPoints.ShouldBe(34.5m);
        period.Met.ShouldBeFalse();
        period.MetOn.ShouldBeNull();
    }

    [Fact]
    public void the_entry_that_crosses_a_cap_counts_in_part_and_later_ones_not_at_all()
    {
        var first = Education(10, "2024-04-01");
        var crossing = Education(8, "2024-05-01");
        var later = Education(2, "2024-06-01");
        var period = FirstPeriod(later, crossing, first);   // given out of order: the cap applies in date order

        period.Entries.Select(e => (e.Id, e.Counted, e.Capped)).ShouldBe([(first.Id, 10m, 0m), (crossing.Id, 5m, 3m), (later.Id, 0m, 2m)]);
        period.ByCategory[CpdCategory.ProfessionalEducation].ShouldBe(new CategoryResult(20m, 15m));
    }

    [Fact]
    public void community_is_capped_at_fifteen_and_experience_is_not_capped()
    {
        var period = FirstPeriod(Community(10, "2024-04-01"), Community(10, "2024-04-02"),
            Experience(15, "2024-04-03"), Experience(15, "2024-04-04"));
        period.ByCategory[CpdCategory.Community].ShouldBe(new CategoryResult(20m, 15m));
        period.ByCategory[CpdCategory.ProfessionalExperience].ShouldBe(new CategoryResult(30m, 30m));
        period.CountedPoints.ShouldBe(45m);
    }

    [Fact]
    public void caps_apply_per_period()
    {
        var cycle = CpdScheme.Evaluate(Rules, [Education(15, "2024-04-01"), Education(15, "2025-04-01")], Start, RenewBy);
        cycle.Periods[0].ByCategory[CpdCategory.ProfessionalEducation].Counted.ShouldBe(15m);
        cycle.Periods[1].ByCategory[CpdCategory.ProfessionalEducation].Counted.ShouldBe(15m);
    }

    [Fact]
    public void entries_on_the_same_day_count_in_recording_order()
    {
        var earlier = Education(10, "2024-04-01");
        var later = Education(10, "2024-04-01");
        FirstPeriod(earlier, later).Entries.Select(e => (e.Id, e.Counted)).ShouldBe([(earlier.Id, 10m), (later.Id, 5m)]);
    }

    [Fact]
    public void a_revoked_completion_drops_out_and_frees_the_cap_for_others()
    {
        var revoked = Entry(CpdCategory.ProfessionalEducation, 15, "2024-04-01", revoked: true, source: CpdSource.Completion);
        var activity = Education(10, "2024-05-01");
        var period = FirstPeriod(revoked, activity);

        period.ByCategory[CpdCategory.ProfessionalEducation].ShouldBe(new CategoryResult(10m, 10m));
        period.Entries.Single(e => e.Id == revoked.Id).ShouldSatisfyAllConditions(
            e => e.Revoked.ShouldBeTrue(), e => e.Counted.ShouldBe(0m), e => e.Capped.ShouldBe(0m));
        period.Entries.Single(e => e.Id == activity.Id).Counted.ShouldBe(10m);
    }

    [Fact]
    public void a_cycle_is_met_when_all_three_periods_are_and_dated_by_the_last_to_be_met()
    {
        var entries = new[]
        {
            Experience(20, "2024-04-01"),
            Experience(20, "2026-04-01"),
            Experience(20, "2025-12-31")
        };
        var cycle = CpdScheme.Evaluate(Rules, entries, Start, RenewBy);
        cycle.Met.ShouldBeTrue();
        cycle.MetOn.ShouldBe(new DateOnly(2026, 4, 1));

        CpdScheme.Evaluate(Rules, entries[..2], Start, RenewBy).Met.ShouldBeFalse();
    }

    [Fact]
    public void the_rule_set_is_named_by_version()
    {
        CpdRuleSet.Named("axelos-2024").ShouldBeSameAs(CpdRuleSet.Axelos2024);
        CpdRuleSet.Current.Version.ShouldBe("axelos-2024");
        Should.Throw<InvalidOperationException>(() => CpdRuleSet.Named("axelos-1999"));
    }

    [Fact]
    public void another_rule_set_changes_the_arithmetic_without_touching_the_entries()
    {
        var stricter = CpdRuleSet.Axelos2024 with
        {
            Version = "stricter",
            CategoryCaps = new Dictionary<CpdCategory, decimal> { [CpdCategory.ProfessionalEducation] = 10m, [CpdCategory.Community] = 15m }
        };
        var entries = new[] { Experience(5, "2024-04-01"), Education(15, "2024-05-01") };

        CpdScheme.Evaluate(CpdRuleSet.Axelos2024, entries, Start, RenewBy).Periods[0].Met.ShouldBeTrue();
        var strict = CpdScheme.Evaluate(stricter, entries, Start, RenewBy);
        strict.RuleVersion.ShouldBe("stricter");
        strict.Periods[0].CountedPoints.ShouldBe(15m);
        strict.Periods[0].Met.ShouldBeFalse();
    }
}

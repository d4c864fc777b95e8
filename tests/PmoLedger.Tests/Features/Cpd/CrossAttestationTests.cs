using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Tests.Features.Cpd;

/// <summary>Cross-attestation and the per-period figures as pure functions.</summary>
public class CrossAttestationTests
{
    private static readonly Guid Provider = Guid.NewGuid();

    private static CpdEntry Activity(decimal points, string on, CpdCategory category = CpdCategory.ProfessionalEducation, string? course = null) =>
        new(Guid.NewGuid(), CpdSource.Activity, category, points, DateOnly.Parse(on), "activity", CourseCode: course);

    private static CpdEntry Completion(decimal points, string on, string course = "MSP-F", bool revoked = false) =>
        new(Guid.NewGuid(), CpdSource.Completion, CpdCategory.ProfessionalEducation, points, DateOnly.Parse(on), "course", revoked,
            CourseCode: course, ProviderId: Provider);

    [Fact]
    public void a_completion_within_three_days_attests_a_professional_education_activity_up_to_its_points()
    {
        var completion = Completion(4, "2025-03-10");
        var activity = Activity(6, "2025-03-13");
        var match = CrossAttestation.Of([completion, activity]).ShouldHaveSingleItem();
        match.ShouldBe(new AttestationMatch(activity.Id, completion.Id, Provider, 4));
    }

    [Theory]
    [InlineData("2025-03-14", null, CpdCategory.ProfessionalEducation, false)]   // four days after
    [InlineData("2025-03-06", null, CpdCategory.ProfessionalEducation, false)]   // four days before
    [InlineData("2025-03-07", null, CpdCategory.ProfessionalEducation, true)]    // three days before
    [InlineData("2025-03-10", "msp-f", CpdCategory.ProfessionalEducation, true)] // the code, in any case
    [InlineData("2025-03-10", "P3O-F", CpdCategory.ProfessionalEducation, false)] // another code
    [InlineData("2025-03-10", null, CpdCategory.Community, false)]             // only professional education
    public void the_window_the_code_and_the_category_decide(string on, string? course, CpdCategory category, bool attested)
    {
        var entries = new[] { Completion(8, "2025-03-10"), Activity(2, on, category, course) };
        CrossAttestation.Of(entries).Any().ShouldBe(attested);
    }

    [Fact]
    public void a_revoked_completion_attests_nothing_and_one_completion_never_attests_more_than_it_gave()
    {
        CrossAttestation.Of([Completion(8, "2025-03-10", revoked: true), Activity(2, "2025-03-10")]).ShouldBeEmpty();

        var completion = Completion(5, "2025-03-10");
        var first = Activity(3, "2025-03-10");
        var second = Activity(3, "2025-03-11");
        var matches = CrossAttestation.Of([completion, first, second]);
        matches.Select(m => (m.ActivityId, m.Points)).ShouldBe([(first.Id, 3m), (second.Id, 2m)]);
    }

    [Fact]
    public void a_period_splits_own_points_into_attested_and_self_claimed_and_says_what_is_still_needed()
    {
        var completion = Completion(4, "2025-03-10");
        var attested = Activity(6, "2025-03-11");
        var experience = Activity(3, "2025-04-01", CpdCategory.ProfessionalExperience);
        var rejected = Activity(2, "2025-04-02", CpdCategory.Community) with
        {
            Rejected = new AuditRejection(Guid.NewGuid(), "No evidence", DateOnly.Parse("2025-06-01"))
        };
        var entries = new[] { completion, attested, experience, rejected };
        var matches = CrossAttestation.Of(entries).ToDictionary(m => m.ActivityId);

        var period = CpdScheme.Evaluate(CpdRuleSet.Axelos2024, entries, DateOnly.Parse("2025-01-01"), DateOnly.Parse("2028-01-01"), matches).Periods[0];
        period.AttestedPoints.ShouldBe(4m);
        period.SelfClaimedPoints.ShouldBe(2m + 3m);
        period.CountedPoints.ShouldBe(4m + 6m + 3m);
        period.StillNeeded.ShouldBe(new StillNeeded(7m, 2m));
        var rejectedResult = period.Entries.Single(e => e.Id == rejected.Id);
        rejectedResult.Counted.ShouldBe(0m);
        rejectedResult.NotCountedBecause!.ShouldContain("No evidence");
        period.Entries.Single(e => e.Id == attested.Id).Attestation.ShouldBe(new Attestation(completion.Id, Provider));
        period.Entries.Single(e => e.Id == experience.Id).Attestation.ShouldBeNull();
    }

    [Fact]
    public void still_needed_is_never_negative()
    {
        var entries = new[] { Activity(15, "2025-02-01", CpdCategory.ProfessionalExperience), Activity(15, "2025-02-02", CpdCategory.Community) };
        CpdScheme.Evaluate(CpdRuleSet.Axelos2024, entries, DateOnly.Parse("2025-01-01"), DateOnly.Parse("2028-01-01")).Periods[0]
            .StillNeeded.ShouldBe(new StillNeeded(0m, 0m));
    }

    [Fact]
    public void a_cycle_is_assessed_under_the_version_in_force_on_its_first_day()
    {
        var later = CpdRuleSet.Axelos2024 with { Version = "later", EffectiveFrom = new DateOnly(2030, 1, 1), PeriodMinimum = 30m };
        IReadOnlyList<CpdRuleSet> versions = [CpdRuleSet.Axelos2024, later];
        CpdRuleSet.InForceOn(versions, new DateOnly(2029, 12, 31)).Version.ShouldBe("axelos-2024");
        CpdRuleSet.InForceOn(versions, new DateOnly(2030, 1, 1)).Version.ShouldBe("later");
        // Before the first version: the first governs (certifications recorded from before the ledger).
        CpdRuleSet.InForceOn(versions, new DateOnly(2019, 5, 1)).Version.ShouldBe("axelos-2024");
    }
}

using PmoLedger.Features.Certifications;
using PmoLedger.Features.Completions;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;

namespace PmoLedger.Tests.Features.Certifications;

/// <summary>Expiry and renewal decisions over the aggregate: no database.</summary>
public class CertificationRulesTests
{
    private static readonly DateOnly AwardedOn = new(2024, 3, 1);
    private static readonly DateOnly RenewBy = new(2027, 3, 1);

    private static (Practitioner State, CertificationAwarded Award) Holding(string code = "P3O-F", DateOnly? awardedOn = null)
    {
        var p = Practitioner.Fold(null, new PractitionerRegistered(Guid.Empty, PersonalText.Of(Guid.Empty, "Ada"), PersonalText.Of(Guid.Empty, "ada@example.org"), AwardedOn))!;
        var on = awardedOn ?? AwardedOn;
        var award = new CertificationAwarded(Guid.NewGuid(), code, "P3O Foundation", on, PersonalText.Of(Guid.Empty, "N-1"), CertificationRules.RenewByFrom(on), "axelos-2024", null);
        p = p.Then([award]);
        return (p, award);
    }

    private static TrainingCompleted Pass(string code, DateOnly on, TrainingOutcome outcome = TrainingOutcome.Passed, decimal points = 0) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "Academy", "ref", code, "Exam", on, outcome, 0.8m, points, null);

    private static CpdActivityLogged Activity(CpdCategory category, decimal points, DateOnly on) =>
        new(Guid.NewGuid(), category, points, PersonalText.Of(Guid.Empty, "Activity"),
            PersonalText.Of(Guid.Empty, "A reflection long enough to count."), on, null);

    private static Practitioner Apply(Practitioner p, IEnumerable<object> events) => p.Then(events);

    [Fact]
    public void renew_by_is_three_years_after_the_award_and_29_february_rolls_to_28th()
    {
        CertificationRules.RenewByFrom(new DateOnly(2025, 3, 10)).ShouldBe(new DateOnly(2028, 3, 10));
        CertificationRules.RenewByFrom(new DateOnly(2024, 2, 29)).ShouldBe(new DateOnly(2027, 2, 28));
    }

    [Fact]
    public void nothing_happens_before_renew_by()
    {
        var (p, _) = Holding();
        CertificationRules.After(p, [], RenewBy.AddDays(-1)).ShouldBeEmpty();
    }

    [Fact]
    public void an_unrenewed_certification_expires_on_renew_by()
    {
        var (p, award) = Holding();
        CertificationRules.After(p, [], RenewBy).ShouldBe([new CertificationExpired(award.CertificationId, "P3O-F", RenewBy)]);
    }

    [Fact]
    public void an_expired_certification_is_not_expired_again()
    {
        var (p, _) = Holding();
        p = Apply(p, CertificationRules.After(p, [], RenewBy));
        CertificationRules.After(p, [], RenewBy.AddYears(1)).ShouldBeEmpty();
    }

    [Fact]
    public void a_pass_of_the_same_exam_inside_the_cycle_renews_from_the_old_renew_by()
    {
        var (p, award) = Holding();
        var pass = Pass("p3o-f", new DateOnly(2026, 10, 1));

        CertificationRules.RenewalsFor(p, pass, new DateOnly(2026, 10, 2)).ShouldBe(
        [
            new CertificationRenewed(award.CertificationId, "P3O-F", RenewalBasis.ExamPass, new DateOnly(2026, 10, 1),
                RenewBy, new DateOnly(2030, 3, 1), "axelos-2024", pass.CompletionId, AfterExpiry: false)
        ]);
    }

    [Theory]
    [InlineData(TrainingOutcome.Completed)]
    [InlineData(TrainingOutcome.Failed)]
    [InlineData(TrainingOutcome.Attended)]
    public void only_a_passed_outcome_renews(TrainingOutcome outcome)
    {
        var (p, _) = Holding();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-F", new DateOnly(2026, 10, 1), outcome)).ShouldBeEmpty();
    }

    [Fact]
    public void a_pass_of_another_exam_renews_nothing()
    {
        var (p, _) = Holding();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-P", new DateOnly(2026, 10, 1))).ShouldBeEmpty();
    }

    [Fact]
    public void the_exam_that_earned_the_certification_does_not_renew_it()
    {
        var (p, _) = Holding();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-F", AwardedOn)).ShouldBeEmpty();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-F", AwardedOn.AddDays(-3))).ShouldBeEmpty();
    }

    [Fact]
    public void a_pass_before_the_final_year_of_the_cycle_renews_nothing()
    {
        var (p, _) = Holding();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-F", RenewBy.AddYears(-1).AddDays(-1))).ShouldBeEmpty();
        CertificationRules.ExamRenewals(p.Certifications, Pass("P3O-F", RenewBy.AddYears(-1))).ShouldHaveSingleItem();
    }

    [Fact]
    public void a_second_pass_soon_after_a_reinstatement_does_not_extend_it_again()
    {
        var (p, _) = Holding();
        var passedOn = new DateOnly(2027, 6, 10);
        p = Apply(p, CertificationRules.RenewalsFor(p, Pass("P3O-F", passedOn), passedOn));
        CertificationRules.RenewalsFor(p, Pass("P3O-F", passedOn.AddDays(10)), passedOn.AddDays(10)).ShouldBeEmpty();
    }

    [Fact]
    public void a_pass_after_expiry_reinstates_with_a_cycle_from_the_pass()
    {
        var (p, award) = Holding();
        var passedOn = new DateOnly(2027, 6, 10);
        var pass = Pass("P3O-F", passedOn);

        // The expiry message has not fired yet: the expiry is recorded first, then the reinstatement.
        CertificationRules.RenewalsFor(p, pass, passedOn).ShouldBe(
        [
            new CertificationExpired(award.CertificationId, "P3O-F", RenewBy),
            new CertificationRenewed(award.CertificationId, "P3O-F", RenewalBasis.ExamPass, passedOn, passedOn,
                new DateOnly(2030, 6, 10), "axelos-2024", pass.CompletionId, AfterExpiry: true)
        ]);
    }

    [Fact]
    public void a_pass_inside_the_cycle_posted_after_expiry_still_renews_from_the_old_renew_by()
    {
        var (p, award) = Holding();
        p = Apply(p, CertificationRules.After(p, [], RenewBy));
        var pass = Pass("P3O-F", RenewBy.AddDays(-20));

        var renewal = CertificationRules.RenewalsFor(p, pass, RenewBy.AddDays(10)).ShouldHaveSingleItem().ShouldBeOfType<CertificationRenewed>();
        renewal.CycleStart.ShouldBe(RenewBy);
        renewal.AfterExpiry.ShouldBeFalse();

        p = Apply(p, [renewal]);
        p.Certifications.Single().ExpiredOn.ShouldBeNull();
        p.Certifications.Single().StatusOn(RenewBy.AddDays(10)).ShouldBe(CertificationStatus.Active);
    }

    [Fact]
    public void a_second_pass_in_the_same_cycle_renews_only_once()
    {
        var (p, _) = Holding();
        p = Apply(p, CertificationRules.RenewalsFor(p, Pass("P3O-F", new DateOnly(2026, 10, 1)), new DateOnly(2026, 10, 1)));
        CertificationRules.RenewalsFor(p, Pass("P3O-F", new DateOnly(2026, 11, 1)), new DateOnly(2026, 11, 1)).ShouldBeEmpty();
    }

    [Fact]
    public void meeting_the_last_period_renews_through_cpd_dated_when_it_was_met()
    {
        var (p, award) = Holding();
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 15, new DateOnly(2024, 5, 1)), Activity(CpdCategory.Community, 5, new DateOnly(2024, 6, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 15, new DateOnly(2025, 5, 1)), Activity(CpdCategory.Community, 5, new DateOnly(2025, 6, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 15, new DateOnly(2026, 5, 1))]);

        var last = Activity(CpdCategory.Community, 5, new DateOnly(2026, 6, 1));
        CertificationRules.After(p, [last], new DateOnly(2026, 6, 3)).ShouldBe(
        [
            new CertificationRenewed(award.CertificationId, "P3O-F", RenewalBasis.Cpd, new DateOnly(2026, 6, 1), RenewBy,
                new DateOnly(2030, 3, 1), "axelos-2024", null, AfterExpiry: false)
        ]);
    }

    [Fact]
    public void a_completions_points_count_towards_renewal_through_cpd()
    {
        var (p, _) = Holding();
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2024, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2025, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 5, new DateOnly(2026, 5, 1))]);

        var course = Pass("PMO-101", new DateOnly(2026, 7, 1), TrainingOutcome.Completed, points: 15);
        CertificationRules.RenewalsFor(p, course, new DateOnly(2026, 7, 2)).ShouldHaveSingleItem()
            .ShouldBeOfType<CertificationRenewed>().Basis.ShouldBe(RenewalBasis.Cpd);
    }

    [Fact]
    public void a_revoked_completion_no_longer_counts_towards_renewal()
    {
        var (p, _) = Holding();
        var course = Pass("PMO-101", new DateOnly(2026, 7, 1), TrainingOutcome.Completed, points: 15);
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2024, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2025, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 5, new DateOnly(2026, 5, 1)), course]);
        p = p.Then([new CompletionRevoked(course.CompletionId, course.ProviderId, "Error", new DateOnly(2026, 7, 5))]);

        CertificationRules.After(p, [], new DateOnly(2026, 7, 6)).ShouldBeEmpty();
        CertificationRules.After(p, [], RenewBy).ShouldHaveSingleItem().ShouldBeOfType<CertificationExpired>();
    }

    [Fact]
    public void a_backdated_award_with_met_cpd_renews_as_far_as_the_cpd_reaches_then_expires()
    {
        var p = Practitioner.Fold(null, new PractitionerRegistered(Guid.Empty, PersonalText.Of(Guid.Empty, "Ada"), PersonalText.Of(Guid.Empty, "ada@example.org"), AwardedOn))!;
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2018, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2019, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2020, 5, 1))]);
        var award = new CertificationAwarded(Guid.NewGuid(), "P3O-F", "P3O Foundation", new DateOnly(2018, 1, 1), PersonalText.Of(Guid.Empty, "N"), new DateOnly(2021, 1, 1), "axelos-2024", null);

        var events = CertificationRules.After(p, [award], new DateOnly(2026, 6, 1));

        events.Select(e => e.GetType().Name).ShouldBe(["CertificationRenewed", "CertificationExpired"]);
        events.OfType<CertificationExpired>().Single().ExpiredOn.ShouldBe(new DateOnly(2024, 1, 1));
    }

    [Fact]
    public void cpd_logged_after_expiry_does_not_revive_the_certification()
    {
        var (p, _) = Holding();
        p = Apply(p, CertificationRules.After(p, [], RenewBy));
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2024, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2025, 5, 1))]);

        CertificationRules.After(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2026, 5, 1))], RenewBy.AddDays(5))
            .ShouldBeEmpty();
    }

    [Theory]
    [InlineData("2026-11-30", CertificationStatus.Active)]
    [InlineData("2026-12-01", CertificationStatus.RenewalDue)]
    [InlineData("2027-02-28", CertificationStatus.RenewalDue)]
    [InlineData("2027-03-01", CertificationStatus.Expired)]
    public void status_is_computed_for_the_day_it_is_read(string day, CertificationStatus expected)
    {
        var (p, _) = Holding();
        p.Certifications.Single().StatusOn(DateOnly.Parse(day)).ShouldBe(expected);
    }

    [Fact]
    public void the_renew_by_message_after_a_cpd_renewal_decides_nothing()
    {
        var (p, award) = Holding();
        p = Apply(p, [Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2024, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2025, 5, 1)),
                  Activity(CpdCategory.ProfessionalExperience, 20, new DateOnly(2026, 5, 1))]);
        p = Apply(p, SettleCertificationsHandler.Decide(p, new DateOnly(2026, 5, 2)).ShouldHaveSingleItem().ShouldBeOfType<CertificationRenewed>() is var r ? [r] : []);

        // The message scheduled for the old renewBy arrives on that day: stale, so nothing.
        SettleCertificationsHandler.Decide(p, award.RenewBy).ShouldBeEmpty();
        // Unmet, the same message expires it.
        SettleCertificationsHandler.Decide(Holding().State, award.RenewBy).ShouldHaveSingleItem().ShouldBeOfType<CertificationExpired>();
    }
}

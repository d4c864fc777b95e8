using PmoLedger.Features.Certifications;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;
using EvidenceItem = PmoLedger.Features.Plan.EvidenceItem;

namespace PmoLedger.Tests.Features.Plan;

/// <summary>The CPD ledger and the plan as pure views of the write model (they are not stored).</summary>
public class DerivedViewsTests
{
    private static readonly DateOnly Day = new(2025, 3, 10);
    private static readonly Guid Provider = Guid.NewGuid();

    private static readonly RoleRecord Role = new(Guid.NewGuid(), "PMO Analyst", RoleFamily.Analyst, null, EmploymentType.Permanent,
        "Acme", "Finance", OfficeType.Programme, Day, null, false);

    private static readonly CertificationRecord Award = new(Guid.NewGuid(), "P3O-F", "P3O Foundation", Day, "C-1",
        [new CertificationCycle(Day, Day.AddYears(3), "2025-01")]);

    private static readonly CpdEntry Completion = new(Guid.NewGuid(), CpdSource.Completion, CpdCategory.ProfessionalEducation, 4,
        Day.AddDays(-1), "MSP Foundation", Revoked: true, CourseCode: "MSP-F", ProviderId: Provider);

    private static readonly CpdEntry Logged = new(Guid.NewGuid(), CpdSource.Activity, CpdCategory.Community, 2, Day, "Mentoring");

    private static readonly CpdEntry Attested = new(Guid.NewGuid(), CpdSource.Activity, CpdCategory.ProfessionalEducation, 3,
        Day.AddDays(1), "Reading for MSP", CourseCode: "MSP-F");

    private static readonly CpdEntry Attesting = new(Guid.NewGuid(), CpdSource.Completion, CpdCategory.ProfessionalEducation, 5,
        Day.AddDays(2), "MSP Practitioner", CourseCode: "MSP-F", ProviderId: Provider);

    private static Practitioner Record() => new()
    {
        Id = Guid.NewGuid(), FullName = "Ada", Email = "ada@example.org",
        Roles = [Role], Certifications = [Award], Cpd = [Completion, Logged, Attested, Attesting],
        Goals = [new GoalRecord(Guid.NewGuid(), DevelopmentDimension.Skills, "Mentor two analysts", null, null, Day.AddYears(1), Day)]
    };

    [Fact]
    public void the_plan_shows_every_role_certification_and_cpd_entry_by_date_roles_then_certifications_then_cpd_on_one_day()
    {
        var practitioner = Record();

        var plan = DevelopmentPlan.Of(practitioner);

        plan.Id.ShouldBe(practitioner.Id);
        plan.Goals.ShouldBe(practitioner.Goals);
        plan.Evidence.ShouldBe([
            new EvidenceItem(EvidenceKind.Completion, Completion.Id, "MSP Foundation", Day.AddDays(-1), CpdCategory.ProfessionalEducation, Revoked: true),
            new EvidenceItem(EvidenceKind.Role, Role.RoleId, "PMO Analyst at Acme", Day, null),
            new EvidenceItem(EvidenceKind.Certification, Award.CertificationId, "P3O Foundation (P3O-F)", Day, null),
            new EvidenceItem(EvidenceKind.CpdActivity, Logged.Id, "Mentoring", Day, CpdCategory.Community),
            new EvidenceItem(EvidenceKind.CpdActivity, Attested.Id, "Reading for MSP", Day.AddDays(1), CpdCategory.ProfessionalEducation),
            new EvidenceItem(EvidenceKind.Completion, Attesting.Id, "MSP Practitioner", Day.AddDays(2), CpdCategory.ProfessionalEducation)
        ]);
        // A revoked completion stays on record but is no longer evidence for any dimension.
        PlanView.From(plan, Day).Dimensions[DevelopmentDimension.FormalTraining].Evidence.Select(e => e.Id).ShouldBe([Award.CertificationId, Attesting.Id]);
    }

    [Fact]
    public void the_cpd_ledger_is_the_write_models_entries_and_cycles_with_the_attestations_they_imply()
    {
        var practitioner = Record();

        var ledger = CpdLedger.Of(practitioner);

        ledger.Id.ShouldBe(practitioner.Id);
        ledger.Entries.ShouldBe(practitioner.Cpd);
        ledger.Certifications.ShouldBe(practitioner.Certifications);
        // The revoked completion attests nothing; the one two days later attests the professional-education activity.
        ledger.Attestations.ShouldBe([new AttestationMatch(Attested.Id, Attesting.Id, Provider, 3)]);
    }
}

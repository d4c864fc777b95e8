using PmoLedger.Features.Cpd;
using PmoLedger.Features.Plan;
using PmoLedger.Features.Practitioners;
using PmoLedger.Infrastructure;
using EvidenceItem = PmoLedger.Features.Plan.EvidenceItem;

namespace PmoLedger.Tests.Features.Plan;

/// <summary>
/// The CPD ledger and the plan as pure views of the write model (they are not stored): a record folded from real
/// events with <see cref="Practitioner.Fold"/>, then derived.
/// </summary>
public class DerivedViewsTests
{
    private static readonly DateOnly Day = new(2025, 3, 10);
    private static readonly Guid Id = Guid.NewGuid(), Provider = Guid.NewGuid();
    private static readonly Guid Role = Guid.NewGuid(), Award = Guid.NewGuid(), Goal = Guid.NewGuid(), Audit = Guid.NewGuid();
    private static readonly Guid Mentoring = Guid.NewGuid(), Reading = Guid.NewGuid(), SentInError = Guid.NewGuid(), Attesting = Guid.NewGuid();

    private static PersonalText Text(string text) => PersonalText.Of(Id, text);

    private static TrainingCompleted Completed(Guid id, string title, DateOnly on, decimal points) =>
        new(id, Provider, "Acme Training", $"ref-{id}", "MSP-F", title, on, TrainingOutcome.Completed, null, points, null);

    private static Practitioner Record() => new object[]
    {
        new PractitionerRegistered(Id, Text("Ada"), Text("ada@example.org"), Day.AddYears(-1)),
        // Logged before the role and the award of the same day: the plan still lists it after them.
        new CpdActivityLogged(Mentoring, CpdCategory.Community, 2, Text("Mentoring"), Text("Two analysts"), Day, null),
        new RoleStarted(Role, "PMO Analyst", RoleFamily.Analyst, null, EmploymentType.Permanent, "Acme", "Finance", OfficeType.Programme, Day, false),
        new CertificationAwarded(Award, "P3O-F", "P3O Foundation", Day, Text("C-1"), Day.AddYears(3), "2025-01", Provider),
        Completed(SentInError, "MSP Foundation", Day.AddDays(1), 4),
        new CpdActivityLogged(Reading, CpdCategory.ProfessionalEducation, 3, Text("Reading for MSP"), Text("Notes"), Day.AddDays(2), null, "MSP-F"),
        Completed(Attesting, "MSP Practitioner", Day.AddDays(4), 5),
        new CompletionRevoked(SentInError, Provider, "Sent in error", Day.AddDays(5)),
        new CpdActivityDecided(Audit, Mentoring, AuditDecision.Rejected, Text("No evidence"), Day.AddDays(6)),
        new GoalSet(Goal, DevelopmentDimension.Skills, Text("Mentor two analysts"), null, null, Day.AddYears(1), Day)
    }.Aggregate((Practitioner?)null, Practitioner.Fold)!;

    [Fact]
    public void the_plan_lists_every_role_certification_and_cpd_entry_by_date_roles_then_certifications_then_cpd_on_one_day()
    {
        var plan = DevelopmentPlan.Of(Record());

        plan.Id.ShouldBe(Id);
        plan.Goals.Select(g => (g.GoalId, g.Description, g.SetOn)).ShouldBe([(Goal, "Mentor two analysts", Day)]);
        plan.Evidence.ShouldBe([
            new EvidenceItem(EvidenceKind.Role, Role, "PMO Analyst at Acme", Day, null),
            new EvidenceItem(EvidenceKind.Certification, Award, "P3O Foundation (P3O-F)", Day, null),
            // A rejected activity stays evidence of what was done; a revoked completion stays on record, marked.
            new EvidenceItem(EvidenceKind.CpdActivity, Mentoring, "Mentoring", Day, CpdCategory.Community),
            new EvidenceItem(EvidenceKind.Completion, SentInError, "MSP Foundation", Day.AddDays(1), CpdCategory.ProfessionalEducation, Revoked: true),
            new EvidenceItem(EvidenceKind.CpdActivity, Reading, "Reading for MSP", Day.AddDays(2), CpdCategory.ProfessionalEducation),
            new EvidenceItem(EvidenceKind.Completion, Attesting, "MSP Practitioner", Day.AddDays(4), CpdCategory.ProfessionalEducation)
        ]);
        // The revoked completion is no longer evidence for any dimension.
        PlanView.From(plan, Day).Dimensions[DevelopmentDimension.FormalTraining].Evidence.Select(e => e.Id).ShouldBe([Award, Attesting]);
    }

    [Fact]
    public void the_cpd_ledger_holds_every_entry_and_cycle_and_the_attestations_of_completions_still_standing()
    {
        var ledger = CpdLedger.Of(Record());

        ledger.Id.ShouldBe(Id);
        ledger.Entries.Select(e => (e.Id, e.Revoked, Rejected: e.Rejected is not null)).ShouldBe([
            (Mentoring, false, true), (SentInError, true, false), (Reading, false, false), (Attesting, false, false)
        ]);
        ledger.Certifications.Single().Cycles.Single().RenewBy.ShouldBe(Day.AddYears(3));
        // The revoked completion is the nearer one (one day, against two) but attests nothing any more.
        ledger.Attestations.ShouldBe([new AttestationMatch(Reading, Attesting, Provider, 3)]);
    }
}

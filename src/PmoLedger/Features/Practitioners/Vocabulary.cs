namespace PmoLedger.Features.Practitioners;

// The PMO profession's vocabulary (product.md). Serialized as lower-case kebab strings.
public enum RoleFamily { Administrator, Analyst, Manager, Director, Specialist }

public enum Specialism { Planning, Finance, BenefitsRealisation, Risk, Resource, Reporting, Governance, Other }

public enum EmploymentType { Permanent, Contract, PartTime }

public enum OfficeType { Project, Programme, Portfolio, CentreOfExcellence }

public enum CareerLevel { Entry, Working, Managing, Directing }

public enum TrainingOutcome { Completed, Passed, Failed, Attended }

public enum CpdCategory { ProfessionalExperience, ProfessionalEducation, Community }

public enum DevelopmentDimension { Knowledge, Experience, Skills, Competency, FormalTraining }

public enum EvidenceKind { Completion, CpdActivity, Role, Certification }

public static class Vocabulary
{
    public static string Label(this RoleFamily family) => family switch
    {
        RoleFamily.Administrator => "PMO Administrator",
        RoleFamily.Analyst => "PMO Analyst",
        RoleFamily.Manager => "PMO Manager",
        RoleFamily.Director => "PMO Director",
        _ => "PMO Specialist"
    };

    public static string Label(this CareerLevel level) => level switch
    {
        CareerLevel.Entry => "entry to a PMO career",
        CareerLevel.Working => "working in a PMO team",
        CareerLevel.Managing => "managing a PMO",
        _ => "directing a PMO"
    };
}

using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Completions;

/// <summary>A provider recorded that the practitioner completed a course. Counts as professional-education CPD.</summary>
public sealed record TrainingCompleted(
    Guid CompletionId, Guid ProviderId, string ProviderName, string ProviderReference,
    string CourseCode, string CourseTitle, DateOnly CompletedOn, TrainingOutcome Outcome,
    decimal? Score, decimal CpdPoints, string? EvidenceUrl) : IBusinessEvent
{
    DateOnly IBusinessEvent.OccurredOn => CompletedOn;
}

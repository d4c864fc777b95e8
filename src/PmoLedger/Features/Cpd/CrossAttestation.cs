using PmoLedger.Features.Practitioners;

namespace PmoLedger.Features.Cpd;

/// <summary>A self-logged activity supported by a provider's completion, and how many of its points that completion covers.</summary>
public sealed record AttestationMatch(Guid ActivityId, Guid CompletionId, Guid ProviderId, decimal Points);

/// <summary>
/// Which self-claims a provider's own posting supports (cpd-audit.md, "Cross-attestation"). A pure function of
/// the entries in recording order, so the projection, a rebuild and an as-of replay all derive the same answer.
/// </summary>
public static class CrossAttestation
{
    public const int WindowDays = 3;

    /// <summary>
    /// A professional-education activity is attested by a completion (not revoked) for the same practitioner
    /// within <see cref="WindowDays"/> days of it that, when the activity names a course code, has that code
    /// (case-insensitive). The spec leaves open how one completion is shared when several activities claim it:
    /// here a completion's points are a budget spent on activities in recording order, each taking the nearest
    /// completion (then the earliest recorded) with points left, so a completion never attests more than it gave.
    /// </summary>
    public static IReadOnlyList<AttestationMatch> Of(IReadOnlyList<CpdEntry> entries)
    {
        var completions = entries.Where(e => e is { Source: CpdSource.Completion, Revoked: false, ProviderId: not null, Points: > 0 }).ToList();
        if (completions.Count == 0) return [];
        var left = completions.ToDictionary(c => c.Id, c => c.Points);
        var matches = new List<AttestationMatch>();
        foreach (var activity in entries.Where(e => e is { Source: CpdSource.Activity, Category: CpdCategory.ProfessionalEducation }))
        {
            var completion = completions
                .Where(c => left[c.Id] > 0 && Math.Abs(c.OccurredOn.DayNumber - activity.OccurredOn.DayNumber) <= WindowDays
                            && (activity.CourseCode is null || string.Equals(activity.CourseCode, c.CourseCode, StringComparison.OrdinalIgnoreCase)))
                .OrderBy(c => Math.Abs(c.OccurredOn.DayNumber - activity.OccurredOn.DayNumber))
                .FirstOrDefault();
            if (completion is null) continue;
            var points = Math.Min(activity.Points, left[completion.Id]);
            left[completion.Id] -= points;
            matches.Add(new AttestationMatch(activity.Id, completion.Id, completion.ProviderId!.Value, points));
        }
        return matches;
    }
}

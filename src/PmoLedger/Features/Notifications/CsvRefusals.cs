using PmoLedger.Features.Completions;

namespace PmoLedger.Features.Notifications;

/// <summary>One CSV row the batch route refused: its place in the file, the status it got, and why, naming fields, never values.</summary>
public sealed record RefusedRow(int Row, int Status, string Reason);

/// <summary>
/// A CSV batch had rows that were not recorded. Kept on the provider's stream for the day's digest. No personal data:
/// row numbers, statuses and field names only (the email a row named is not repeated).
/// </summary>
public sealed record CsvRowsRefused(DateOnly Day, DateTimeOffset At, IReadOnlyList<RefusedRow> Rows);

public static class CsvRefusals
{
    /// <summary>Pure: the refusals among a CSV batch's results (none: null), and the digest of the day they belong to.</summary>
    public static (CsvRowsRefused Refused, Scheduled Digest)? Decide(Guid providerId, IReadOnlyList<BatchResult> results, DateTimeOffset now)
    {
        var rows = results.Where(r => r.Status >= 400)
            .Select(r => new RefusedRow(r.Index + 1, r.Status, Reason(r.Status, r.Problem as ProblemDetails)))
            .ToList();
        return rows.Count == 0 ? null : (new CsvRowsRefused(Clock.DayOf(now), now, rows), ProviderDigest.Schedule(providerId, now));
    }

    /// <summary>What the digest says about a row: the problem's own words where they carry no value from the row.</summary>
    public static string Reason(int status, ProblemDetails? problem) => (status, problem) switch
    {
        (StatusCodes.Status400BadRequest, HttpValidationProblemDetails v) =>
            $"not valid: {string.Join(", ", v.Errors.Keys.Select(k => $"'{k}'"))}",
        (StatusCodes.Status404NotFound, _) => "no practitioner is registered with the id or email given",
        (StatusCodes.Status409Conflict, { Detail: { } detail }) => detail,
        _ => problem?.Title ?? $"refused with status {status}"
    };

    /// <summary>
    /// Records the refusals on the provider's stream (the digest reads them there) and schedules the day's digest in the
    /// same transaction (the outbox), so no crash can keep the refusals and lose their digest.
    /// </summary>
    public static async Task RecordAsync(IDocumentStore store, IMartenOutbox outbox, Guid providerId, IReadOnlyList<BatchResult> results,
        DateTimeOffset now, CancellationToken ct)
    {
        if (Decide(providerId, results, now) is not var (refused, digest)) return;
        await using var session = store.LightweightSession();
        session.LastModifiedBy = "completions";
        outbox.Enroll(session);
        session.Events.Append(providerId, refused);
        await outbox.ScheduleAll([digest]);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>The refusals of one UTC day, batch by batch, from the provider's stream.</summary>
    public static async Task<IReadOnlyList<CsvRowsRefused>> OfDayAsync(IQuerySession session, Guid providerId, DateOnly day, CancellationToken ct)
    {
        var events = await session.Events.FetchStreamAsync(providerId, token: ct);
        return events.Select(e => e.Data).OfType<CsvRowsRefused>().Where(r => r.Day == day).ToList();
    }
}

using System.Globalization;
using JasperFx.Events;
using Marten.Events.Projections;
using Marten.Pagination;
using PmoLedger.Features.Practitioners;
using PmoLedger.Features.Providers;

namespace PmoLedger.Features.Completions;

/// <summary>One completion as its provider reconciles it; also finds the practitioner behind a completion id.</summary>
public sealed class ProviderCompletion
{
    public Guid Id { get; set; }
    public Guid ProviderId { get; set; }
    public Guid PractitionerId { get; set; }
    public string ProviderReference { get; set; } = "";
    public string CourseCode { get; set; } = "";
    public string CourseTitle { get; set; } = "";
    public DateOnly CompletedOn { get; set; }
    public TrainingOutcome Outcome { get; set; }
    public decimal? Score { get; set; }
    public decimal CpdPoints { get; set; }
    public string? EvidenceUrl { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string Status { get; set; } = "active";
    public DateOnly? RevokedOn { get; set; }
    public string? RevokedReason { get; set; }
}

/// <summary>Gathers completions from every practitioner stream into one document per completion.</summary>
public partial class ProviderCompletionProjection : MultiStreamProjection<ProviderCompletion, Guid>
{
    public ProviderCompletionProjection()
    {
        Identity<TrainingCompleted>(e => e.CompletionId);
        Identity<CompletionRevoked>(e => e.CompletionId);
    }

    public override ProviderCompletion? Evolve(ProviderCompletion? snapshot, Guid id, IEvent e)
    {
        switch (e.Data)
        {
            case TrainingCompleted t:
                return new ProviderCompletion
                {
                    Id = t.CompletionId, ProviderId = t.ProviderId, PractitionerId = e.StreamId,
                    ProviderReference = t.ProviderReference, CourseCode = t.CourseCode, CourseTitle = t.CourseTitle,
                    CompletedOn = t.CompletedOn, Outcome = t.Outcome, Score = t.Score, CpdPoints = t.CpdPoints,
                    EvidenceUrl = t.EvidenceUrl, RecordedAt = e.Timestamp
                };
            case CompletionRevoked r when snapshot is not null:
                snapshot.Status = "revoked";
                snapshot.RevokedOn = r.RevokedOn;
                snapshot.RevokedReason = r.Reason;
                return snapshot;
        }
        return snapshot;
    }

    public static void Configure(StoreOptions opts) => opts.Schema.For<ProviderCompletion>()
        .Duplicate(x => x.ProviderId)
        .Duplicate(x => x.CompletedOn)
        .Duplicate(x => x.CourseCode);
}

public sealed record ProviderCompletionItem(
    Guid CompletionId, Guid PractitionerId, string ProviderReference, CourseView Course, DateOnly CompletedOn,
    TrainingOutcome Outcome, decimal? Score, decimal CpdPoints, string? EvidenceUrl, string Status,
    DateOnly? RevokedOn, string? RevokedReason, DateTimeOffset RecordedAt)
{
    public static ProviderCompletionItem From(ProviderCompletion c) => new(
        c.Id, c.PractitionerId, c.ProviderReference, new CourseView(c.CourseCode, c.CourseTitle), c.CompletedOn, c.Outcome,
        c.Score, c.CpdPoints, c.EvidenceUrl, c.Status, c.RevokedOn, c.RevokedReason, c.RecordedAt);
}

public sealed record CourseView(string Code, string Title);

public sealed record ProviderCompletionPage(IReadOnlyList<ProviderCompletionItem> Items, int Page, int PageSize, long Total);

public static class GetProviderCompletionsEndpoint
{
    public const int MaxPageSize = 200;

    public static ProblemDetails Before(ClaimsPrincipal user, Guid id)
    {
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Auditor)) return WolverineContinue.NoProblems;
        if (user.IsInRole(Roles.Provider) && user.ProviderId() == id) return WolverineContinue.NoProblems;
        return Problems.Forbidden("Providers may only read their own postings.");
    }

    public static ProblemDetails Validate(string? since, string? until, string? page, string? pageSize) =>
        Parse(since, until, page, pageSize, out _).ToProblem();

    [EndpointSummary("List a provider's posted completions")]
    [EndpointDescription("The provider itself, admins and auditors; by completion date, paged.")]
    [ProducesResponseType<ProviderCompletionPage>(200)]
    [WolverineGet("/api/providers/{id}/completions", OperationId = "getProviderCompletions")]
    public static async Task<IResult> Get(Guid id, string? since, string? until, string? course, string? page, string? pageSize,
        IQuerySession session, CancellationToken ct)
    {
        Parse(since, until, page, pageSize, out var q);
        if (await session.LoadAsync<Provider>(id, ct) is null)
            return Results.Problem(Problems.NotFound($"No provider {id}."));

        var query = session.Query<ProviderCompletion>().Where(x => x.ProviderId == id);
        if (q.Since is { } from) query = query.Where(x => x.CompletedOn >= from);
        if (q.Until is { } to) query = query.Where(x => x.CompletedOn <= to);
        if (!string.IsNullOrWhiteSpace(course))
        {
            var code = course.Trim();
            query = query.Where(x => x.CourseCode == code);
        }
        var found = await query.OrderBy(x => x.CompletedOn).ThenBy(x => x.Id).ToPagedListAsync(q.Page, q.PageSize, ct);
        return Results.Ok(new ProviderCompletionPage(found.Select(ProviderCompletionItem.From).ToList(), q.Page, q.PageSize, found.TotalItemCount));
    }

    private sealed record Paging(DateOnly? Since, DateOnly? Until, int Page, int PageSize);

    private static Problems Parse(string? since, string? until, string? page, string? pageSize, out Paging paging)
    {
        var problems = new Problems();
        var from = Date(problems, "since", since);
        var to = Date(problems, "until", until);
        if (from > to) problems.Add("until", "'until' must not be before 'since'.");
        var pageNumber = Number(problems, "page", page, 1, 1, int.MaxValue / MaxPageSize);
        var size = Number(problems, "pageSize", pageSize, 50, 1, MaxPageSize);
        paging = new Paging(from, to, pageNumber, size);
        return problems;
    }

    private static DateOnly? Date(Problems problems, string field, string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        if (Clock.TryParseDate(text, out var day)) return day;
        problems.Add(field, $"'{field}' must be a date as YYYY-MM-DD.");
        return null;
    }

    private static int Number(Problems problems, string field, string? text, int fallback, int min, int max)
    {
        if (string.IsNullOrEmpty(text)) return fallback;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        problems.Add(field, $"'{field}' must be a whole number from {min} to {max}.");
        return fallback;
    }
}

using Marten.Pagination;

namespace PmoLedger.Features.Xapi;

public sealed record UnmappedStatement(Guid StatementId, DateTimeOffset Stored, string Verb, string Reason);

public sealed record UnmappedPage(IReadOnlyList<UnmappedStatement> Items, int Page, int PageSize, long Total);

public static class GetUnmappedStatementsEndpoint
{
    public const int MaxPageSize = 200;

    public static ProblemDetails Before(ClaimsPrincipal user, Guid id)
    {
        if (user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Auditor)) return WolverineContinue.NoProblems;
        if (user.IsInRole(Roles.Provider) && user.ProviderId() == id) return WolverineContinue.NoProblems;
        return Problems.Forbidden("Providers may only read their own statements.");
    }

    public static ProblemDetails Validate(int? page, int? pageSize)
    {
        var problems = new Problems();
        if (page is < 1) problems.Add("page", "'page' must be 1 or more.");
        if (pageSize is < 1 or > MaxPageSize) problems.Add("pageSize", $"'pageSize' must be from 1 to {MaxPageSize}.");
        return problems.ToProblem();
    }

    /// <summary>Stored statements that did not become completions, newest first, with why; voiding statements are not listed.</summary>
    [EndpointSummary("List a provider's xAPI statements that did not become completions")]
    [EndpointDescription("The provider itself, an admin or an auditor. Newest first, each with the reason; voiding statements are not listed.")]
    [WolverineGet("/api/providers/{id}/xapi/unmapped", OperationId = "getUnmappedStatements")]
    public static async Task<UnmappedPage> Get(Guid id, int? page, int? pageSize, IQuerySession session, CancellationToken ct)
    {
        var (number, size) = (page ?? 1, pageSize ?? 50);
        var found = await session.Query<XapiStatement>()
            .Where(x => x.ProviderId == id && x.UnmappedReason != null && x.Voids == null)
            .OrderByDescending(x => x.Stored).ThenByDescending(x => x.Id)
            .ToPagedListAsync(number, size, ct);
        return new UnmappedPage(found.Select(x => new UnmappedStatement(x.Id, x.Stored, x.Verb, x.UnmappedReason!)).ToList(), number, size, found.TotalItemCount);
    }
}

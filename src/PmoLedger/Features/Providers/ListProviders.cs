using JasperFx.Events;
using Marten.Events.Aggregation;
using Marten.Pagination;

namespace PmoLedger.Features.Providers;

/// <summary>A provider as staff see it; `createdAt` is when its registration was recorded.</summary>
public sealed class ProviderListing
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

public partial class ProviderListingProjection : SingleStreamProjection<ProviderListing, Guid>
{
    public ProviderListingProjection()
    {
        FilterIncomingEventsOnStreamType(typeof(Provider));
        // The one fact a listing holds; without it every write to any stream loads a listing for nothing.
        IncludeType<ProviderRegistered>();
    }

    public override ProviderListing? Evolve(ProviderListing? snapshot, Guid id, IEvent e) => e.Data switch
    {
        ProviderRegistered r => new ProviderListing { Id = id, Name = r.Name, CreatedAt = e.Timestamp },
        _ => snapshot
    };

    public static void Configure(StoreOptions opts) =>
        opts.Schema.For<ProviderListing>().Duplicate(x => x.CreatedAt);
}

public sealed record ProviderView(Guid Id, string Name, DateTimeOffset CreatedAt)
{
    public static ProviderView From(ProviderListing p) => new(p.Id, p.Name, p.CreatedAt);
}

public static class ListProvidersEndpoint
{
    public static ProblemDetails Validate(string? page, string? pageSize)
    {
        var problems = new Problems();
        Paging.Parse(problems, page, pageSize);
        return problems.ToProblem();
    }

    /// <summary>Every provider, oldest first.</summary>
    [EndpointSummary("List training providers")]
    [EndpointDescription("Admins and auditors; oldest first, paged.")]
    [WolverineGet("/api/providers", OperationId = "listProviders")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Auditor}")]
    public static async Task<Paged<ProviderView>> Get(string? page, string? pageSize, IQuerySession session, CancellationToken ct)
    {
        var paging = Paging.Parse(new Problems(), page, pageSize);
        var found = await session.Query<ProviderListing>().OrderBy(x => x.CreatedAt).ThenBy(x => x.Id)
            .ToPagedListAsync(paging.Page, paging.PageSize, ct);
        return new Paged<ProviderView>(found.Select(ProviderView.From).ToList(), paging.Page, paging.PageSize, found.TotalItemCount);
    }
}

public static class GetProviderEndpoint
{
    public static ProblemDetails Before(ClaimsPrincipal user, Guid id) =>
        user.IsInRole(Roles.Admin) || user.IsInRole(Roles.Auditor) || (user.IsInRole(Roles.Provider) && user.ProviderId() == id)
            ? WolverineContinue.NoProblems
            : Problems.Forbidden("Providers may only read their own record.");

    [EndpointSummary("Read one training provider")]
    [EndpointDescription("Admins, auditors, and the provider itself.")]
    [ProducesResponseType<ProviderView>(200)]
    [WolverineGet("/api/providers/{id}", OperationId = "getProvider")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct)
    {
        var provider = await session.LoadAsync<ProviderListing>(id, ct);
        return provider is null ? Results.Problem(Problems.NotFound($"No provider {id}.")) : Results.Ok(ProviderView.From(provider));
    }
}

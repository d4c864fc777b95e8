using JasperFx.Events;
using Marten.Events.Aggregation;
using Weasel.Postgresql.Tables;

namespace PmoLedger.Features.Practitioners;

/// <summary>
/// A practitioner as staff find them: the register's searchable columns. `Search` is the lower-cased
/// name and email, indexed with trigrams so "any part, any case" stays an index lookup on 100,000 rows.
/// </summary>
public sealed class PractitionerListing
{
    public Guid Id { get; set; }
    public string FullName { get; set; } = "";

    /// <summary>Null once the practitioner's personal data is erased (docs/privacy.md).</summary>
    public string? Email { get; set; } = "";

    /// <summary>Empty once erased, so no search finds the person by what they were called.</summary>
    public string Search { get; set; } = "";
    public CareerLevel CareerLevel { get; set; } = CareerLevel.Entry;

    /// <summary>The organisation of the main open role (a concurrent role's when there is no main one).</summary>
    public string? Organisation { get; set; }

    /// <summary>Lower-cased <see cref="Organisation"/>, for a case-insensitive filter on an index.</summary>
    public string? OrganisationKey { get; set; }

    public List<OpenRole> OpenRoles { get; set; } = [];

    public sealed record OpenRole(Guid RoleId, string Organisation, DateOnly StartedOn, bool Concurrent);

    public void Name(string fullName, string email)
    {
        FullName = fullName;
        Email = email;
        Search = $"{fullName} {email}".ToLowerInvariant();
    }

    public void Erase()
    {
        FullName = PersonalText.ErasedMarker;
        Email = null;
        Search = "";
    }

    public void SettleOrganisation()
    {
        var main = OpenRoles.OrderBy(r => r.Concurrent).ThenByDescending(r => r.StartedOn).FirstOrDefault();
        Organisation = main?.Organisation;
        OrganisationKey = main?.Organisation.ToLowerInvariant();
    }
}

public partial class PractitionerListingProjection : SingleStreamProjection<PractitionerListing, Guid>
{
    public PractitionerListingProjection()
    {
        FilterIncomingEventsOnStreamType(typeof(Practitioner));
        // Only these change a listing: any other fact (a completion, CPD) would load and rewrite it unchanged in its transaction.
        IncludeType<PractitionerRegistered>();
        IncludeType<PractitionerDetailsCorrected>();
        IncludeType<PersonalDataErased>();
        IncludeType<RoleStarted>();
        IncludeType<RoleEnded>();
        IncludeType<CareerLevelReached>();
    }

    public override PractitionerListing? Evolve(PractitionerListing? snapshot, Guid id, IEvent e)
    {
        // As the other practitioner read models: a provider's stream makes no listing.
        if (snapshot is null && e.Data is not PractitionerRegistered) return null;
        var listing = snapshot ?? new PractitionerListing { Id = id };
        switch (e.Data)
        {
            case PractitionerRegistered r:
                listing.Name(r.FullName, r.Email);
                break;
            case PractitionerDetailsCorrected c:
                listing.Name(c.FullName?.Text ?? listing.FullName, c.Email?.Text ?? listing.Email ?? "");
                break;
            case PersonalDataErased:
                listing.Erase();
                break;
            case RoleStarted s:
                listing.OpenRoles.Add(new PractitionerListing.OpenRole(s.RoleId, s.Organisation, s.StartedOn, s.Concurrent));
                listing.SettleOrganisation();
                break;
            case RoleEnded x:
                listing.OpenRoles.RemoveAll(r => r.RoleId == x.RoleId);
                listing.SettleOrganisation();
                break;
            case CareerLevelReached c:
                listing.CareerLevel = c.Level;
                break;
        }
        return listing;
    }

    public static void Configure(StoreOptions opts)
    {
        // pg_trgm is a trusted extension: the database owner may create it (PostgreSQL 13+).
        opts.Storage.ExtendedSchemaObjects.Add(new Weasel.Postgresql.Extension("pg_trgm"));
        // Indexes on the JSON itself (no duplicated columns), so every writer of the document, the
        // benchmark's hand-written one included, keeps them current.
        opts.Schema.For<PractitionerListing>()
            .Index(x => x.Search, index =>
            {
                index.Method = IndexMethod.gin;
                index.Mask = "? gin_trgm_ops";
            })
            .Index(x => x.FullName)
            .Index(x => x.OrganisationKey)
            .Index(x => x.CareerLevel);
    }
}

public sealed record PractitionerMatch(Guid Id, string FullName);

public sealed record PractitionerListItem(Guid Id, string FullName, string? Email, CareerLevel CareerLevel, string? Organisation);

/// <summary>
/// The register, for staff: `email=` finds one person exactly (providers too, for a learner they know);
/// `q`, `organisation` and `careerLevel` search it (admins and auditors only).
/// </summary>
public static class SearchPractitionersEndpoint
{
    public sealed record Search(string? Q, string? Organisation, CareerLevel? CareerLevel, Paging Paging);

    public static ProblemDetails Before(ClaimsPrincipal user, string? email) =>
        email is null && !user.IsInRole(Roles.Admin) && !user.IsInRole(Roles.Auditor)
            ? Problems.Forbidden("Only admins and auditors may search the register; providers look a learner up by exact 'email'.")
            : WolverineContinue.NoProblems;

    public static ProblemDetails Validate(string? email, string? q, string? organisation, string? careerLevel, string? page, string? pageSize)
    {
        var problems = new Problems();
        if (email is not null) problems.Required("email", email);
        else Parse(problems, q, organisation, careerLevel, page, pageSize);
        return problems.ToProblem();
    }

    [EndpointSummary("Find practitioners")]
    [EndpointDescription("With `email`: the one practitioner registered with that exact address (any case), answered as `{id, fullName}`; admins, providers and auditors. Otherwise a search of the register by any part of name or email (`q`), current organisation and career level, paged; admins and auditors only.")]
    [ProducesResponseType<Paged<PractitionerListItem>>(200)]
    [ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    [WolverineGet("/api/practitioners", OperationId = "searchPractitioners")]
    [Authorize(Roles = $"{Roles.Admin},{Roles.Provider},{Roles.Auditor}")]
    public static async Task<IResult> Get(string? email, string? q, string? organisation, string? careerLevel, string? page,
        string? pageSize, IQuerySession session, KeyRing keys, CancellationToken ct)
    {
        if (email is not null) return await FindByEmail(session, keys, email, ct);

        var search = Parse(new Problems(), q, organisation, careerLevel, page, pageSize);
        var (items, total) = await Find(session, search, ct);
        return Results.Ok(new Paged<PractitionerListItem>(
            items.Select(x => new PractitionerListItem(x.Id, x.FullName, x.Email, x.CareerLevel, x.Organisation)).ToList(),
            search.Paging.Page, search.Paging.PageSize, total));
    }

    /// <summary>
    /// The search itself; the benchmark times this on a large register. The total and the page are two
    /// queries: counting with a window over the ordered page makes PostgreSQL walk the whole name index,
    /// while a plain count uses the trigram index and the page stops after its rows.
    /// </summary>
    public static async Task<(IReadOnlyList<PractitionerListing> Items, long Total)> Find(IQuerySession session, Search search,
        CancellationToken ct)
    {
        var query = session.Query<PractitionerListing>().AsQueryable();
        if (search.Q is { } needle) query = query.Where(x => x.Search.Contains(needle));
        if (search.Organisation is { } org) query = query.Where(x => x.OrganisationKey == org);
        if (search.CareerLevel is { } level) query = query.Where(x => x.CareerLevel == level);
        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(x => x.FullName).ThenBy(x => x.Id)
            .Skip((search.Paging.Page - 1) * search.Paging.PageSize).Take(search.Paging.PageSize).ToListAsync(ct);
        return (items, total);
    }

    /// <summary>
    /// Exact match only (case-insensitive): a provider may find a learner they know, not browse the register.
    /// Through the keyed email lookup, which an erasure empties for the person.
    /// </summary>
    private static async Task<IResult> FindByEmail(IQuerySession session, KeyRing keys, string email, CancellationToken ct)
    {
        var claim = await session.LoadAsync<PractitionerEmail>(keys.EmailLookupKey(email), ct);
        var profile = claim is null ? null : await session.LoadAsync<PractitionerProfile>(claim.PractitionerId, ct);
        return profile is null
            ? Results.Problem(Problems.NotFound("No practitioner is registered with that email."))
            : Results.Ok(new PractitionerMatch(profile.Id, profile.FullName));
    }

    public static Search Parse(Problems problems, string? q, string? organisation, string? careerLevel, string? page, string? pageSize)
    {
        problems.MaxLength("q", q, 200).MaxLength("organisation", organisation, 200);
        CareerLevel? level = string.IsNullOrWhiteSpace(careerLevel) ? null : problems.Enum<CareerLevel>("careerLevel", careerLevel.Trim());
        return new Search(
            string.IsNullOrWhiteSpace(q) ? null : q.Trim().ToLowerInvariant(),
            string.IsNullOrWhiteSpace(organisation) ? null : organisation.Trim().ToLowerInvariant(),
            level, Paging.Parse(problems, page, pageSize));
    }
}

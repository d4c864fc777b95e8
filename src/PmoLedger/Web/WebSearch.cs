using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

public static class WebSearch
{
    /// <summary>
    /// The staff pages' search box: the API's own search of the register (GET /api/practitioners?q=),
    /// first page, so a page and the API never disagree about who matches.
    /// </summary>
    public static async Task<IReadOnlyList<PractitionerListing>> Practitioners(IQuerySession session, string? query, CancellationToken ct)
    {
        var search = SearchPractitionersEndpoint.Parse(new Problems(), query, null, null, null, null);
        return (await SearchPractitionersEndpoint.Find(session, search, ct)).Items;
    }
}

using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web;

public static class WebSearch
{
    /// <summary>What a staff page's search found, or why the search was refused (the API's own messages).</summary>
    public sealed record Found(IReadOnlyList<PractitionerListing> Items, string? Problem);

    /// <summary>
    /// The staff pages' search box: the API's own search of the register (GET /api/practitioners?q=&amp;organisation=&amp;careerLevel=),
    /// first page, so a page and the API never disagree about who matches.
    /// </summary>
    public static async Task<Found> Practitioners(IQuerySession session, string? query, CancellationToken ct,
        string? organisation = null, string? careerLevel = null)
    {
        var problems = new Problems();
        var search = SearchPractitionersEndpoint.Parse(problems, query, organisation, careerLevel, null, null);
        if (problems.Any) return new Found([], string.Join(" ", problems.Errors.SelectMany(e => e.Value)));
        return new Found((await SearchPractitionersEndpoint.Find(session, search, ct)).Items, null);
    }
}

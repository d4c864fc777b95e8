namespace PmoLedger.Infrastructure;

public static class ReadModels
{
    /// <summary>A practitioner's stored read model shown through its view, or 404 problem when there is no such practitioner.</summary>
    public static async Task<IResult> Answer<TDoc>(IQuerySession session, Guid id, Func<TDoc, object> view, CancellationToken ct)
        where TDoc : class
    {
        var doc = await session.LoadAsync<TDoc>(id, ct);
        return doc is null ? Results.Problem(Problems.NotFound($"No practitioner {id}.")) : Results.Ok(view(doc));
    }
}

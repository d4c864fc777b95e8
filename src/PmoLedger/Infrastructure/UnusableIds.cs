namespace PmoLedger.Infrastructure;

/// <summary>
/// The all-zero id is never issued (ids are version 7 GUIDs), so a route naming it names nobody:
/// 404 before any handler loads a record. Marten refuses an empty stream id with an exception,
/// which would otherwise surface as a 500.
/// </summary>
public sealed class UnusableIds(RequestDelegate next)
{
    public static bool IsUnusable(Guid id) => id == Guid.Empty;

    public async Task InvokeAsync(HttpContext context, IProblemDetailsService problems)
    {
        foreach (var (name, value) in context.Request.RouteValues)
        {
            if (value is not string text || !Guid.TryParse(text, out var id) || !IsUnusable(id)) continue;
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = Problems.NotFound($"No record has the {name} {text}.")
            });
            return;
        }
        await next(context);
    }
}

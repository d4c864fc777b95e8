using System.Text;
using Microsoft.AspNetCore.Http.Extensions;

namespace PmoLedger.Features.Xapi;

/// <summary>
/// xAPI's alternate request syntax, for clients that can only POST (1.0.3 requires it): a POST to
/// <c>?method=PUT|GET|DELETE|POST</c> with a form whose fields are the headers, the parameters and the
/// <c>content</c>. Rewritten into the plain request before authentication reads the Authorization field
/// (<see cref="Lrs.UseXapiAlternateSyntax"/>).
/// </summary>
public sealed class AlternateRequestSyntax(RequestDelegate next)
{
    private static readonly string[] HeaderFields = ["Authorization", "X-Experience-API-Version", "Content-Type", "Content-Length", "If-Match", "If-None-Match"];
    private static readonly string[] Methods = ["GET", "PUT", "POST", "DELETE", "HEAD"];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/xapi") || !request.Query.ContainsKey("method"))
        {
            await next(context);
            return;
        }
        var method = request.Query["method"].ToString().ToUpperInvariant();
        string? refusal = null;
        if (!HttpMethods.IsPost(request.Method)) refusal = "The alternate request syntax is sent as a POST.";
        else if (!Methods.Contains(method)) refusal = $"'{method}' is not a method of the alternate request syntax.";
        else if (request.Query.Count > 1) refusal = "With the alternate request syntax every parameter goes in the form, not the query string.";
        else if (!request.HasFormContentType) refusal = "The alternate request syntax is sent as application/x-www-form-urlencoded.";
        if (refusal is not null)
        {
            context.Response.Headers[Lrs.VersionHeader] = Lrs.Versions[^1];
            await Lrs.Error(StatusCodes.Status400BadRequest, refusal).ExecuteAsync(context);
            return;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException e)
        {
            // The form readers' own limits (fields, lengths): the client's mistake, said as such.
            context.Response.Headers[Lrs.VersionHeader] = Lrs.Versions[^1];
            await Lrs.Error(StatusCodes.Status400BadRequest, $"The form could not be read: {e.Message}").ExecuteAsync(context);
            return;
        }
        var query = new QueryBuilder();
        string? content = null;
        request.Headers.ContentType = "application/json";
        foreach (var (name, value) in form)
        {
            if (name == "content") content = value.ToString();
            else if (HeaderFields.FirstOrDefault(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)) is { } header) request.Headers[header] = value;
            else query.Add(name, value.ToString());
        }
        if (request.Headers[Lrs.VersionHeader].ToString().StartsWith("2.", StringComparison.Ordinal))
        {
            context.Response.Headers[Lrs.VersionHeader] = Lrs.Versions[0];
            await Lrs.Error(StatusCodes.Status400BadRequest, "xAPI 2.0.0 has no alternate request syntax; send the request itself.").ExecuteAsync(context);
            return;
        }
        var body = Encoding.UTF8.GetBytes(content ?? "");
        request.Method = method;
        request.QueryString = query.ToQueryString();
        request.Body = new MemoryStream(body);
        request.ContentLength = body.Length;
        await next(context);
    }
}

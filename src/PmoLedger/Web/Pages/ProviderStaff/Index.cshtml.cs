using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using PmoLedger.Features.Completions;

namespace PmoLedger.Web.Pages.ProviderStaff;

/// <summary>A provider's own postings: upload a CSV, read what went in, revoke with a reason — all through the API's code.</summary>
[WebAuthorize(Roles.Provider)]
public sealed class IndexModel(IQuerySession session, IDocumentStore store, CompletionIntake intake, TimeProvider clock,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<RevokeCompletion> logger) : PageModel
{
    public ProviderCompletionPage? Completions { get; private set; }
    public string? Course { get; private set; }
    public string? Since { get; private set; }
    public string? Until { get; private set; }
    public IDictionary<string, string[]> FilterErrors { get; private set; } = new Dictionary<string, string[]>();

    public IReadOnlyList<BatchResult>? Uploaded { get; private set; }
    public IReadOnlyList<string> UploadErrors { get; private set; } = [];
    public string? Done { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? course, string? since, string? until, string? page, string? done, CancellationToken ct)
    {
        if (!Allowed(out var providerId)) return StatusCode(403);
        Done = done;
        return await Show(providerId, course, since, until, page, ct);
    }

    public async Task<IActionResult> OnPostUploadAsync(IFormFile? csv, CancellationToken ct)
    {
        if (!Allowed(out var providerId) || !WebRead.Allowed(PostCompletionBatchEndpoint.Before(User))) return StatusCode(403);
        if (csv is null || csv.Length == 0)
        {
            UploadErrors = ["Choose a CSV file to upload."];
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await Show(providerId, null, null, null, null, ct);
        }
        using var reader = new StreamReader(csv.OpenReadStream());
        var (items, problem) = PostCompletionBatchEndpoint.ReadCsv(await reader.ReadToEndAsync(ct), json.Value.SerializerOptions);
        if (problem is not null)
        {
            UploadErrors = Messages(problem);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await Show(providerId, null, null, null, null, ct);
        }
        Uploaded = await PostCompletionBatchEndpoint.Record(items!, Poster.From(User), intake, ct);
        return await Show(providerId, null, null, null, null, ct);
    }

    /// <summary>One completion by the learner's email: a batch of one, so it is decided exactly as an API posting is.</summary>
    public async Task<IActionResult> OnPostOneAsync(string? practitionerEmail, string? providerReference, string? courseCode, string? courseTitle,
        string? completedOn, string? outcome, string? score, string? cpdPoints, string? evidenceUrl, CancellationToken ct)
    {
        if (!Allowed(out var providerId) || !WebRead.Allowed(CompleteTrainingEndpoint.Before(User))) return StatusCode(403);
        var unreadable = new Problems();
        var item = new BatchItem(null, string.IsNullOrWhiteSpace(practitionerEmail) ? null : practitionerEmail, providerReference,
            new CourseInput(courseCode, courseTitle), WebWrite.ReadDate(completedOn, "completedOn", unreadable), outcome,
            WebWrite.ReadNumber(score, "score", unreadable), WebWrite.ReadNumber(cpdPoints, "cpdPoints", unreadable),
            string.IsNullOrWhiteSpace(evidenceUrl) ? null : evidenceUrl.Trim());
        var result = (await PostCompletionBatchEndpoint.Record([unreadable.Any ? (null, unreadable.ToProblem()) : (item, null)],
            Poster.From(User), intake, ct)).Single();
        if (result.Status is 200 or 201)
            return RedirectToPage(new { done = result.Status == 201 ? $"{providerReference} is recorded." : $"{providerReference} was already recorded." });
        OneErrors = Messages(result.Problem);
        Entered = new Dictionary<string, string?>
        {
            ["practitionerEmail"] = practitionerEmail, ["providerReference"] = providerReference, ["courseCode"] = courseCode,
            ["courseTitle"] = courseTitle, ["completedOn"] = completedOn, ["outcome"] = outcome, ["score"] = score,
            ["cpdPoints"] = cpdPoints, ["evidenceUrl"] = evidenceUrl
        };
        Response.StatusCode = result.Status;
        return await Show(providerId, null, null, null, null, ct);
    }

    public IReadOnlyList<string> OneErrors { get; private set; } = [];
    public IReadOnlyDictionary<string, string?> Entered { get; private set; } = new Dictionary<string, string?>();

    public async Task<IActionResult> OnPostRevokeAsync(Guid completionId, string? reason, CancellationToken ct)
    {
        if (!Allowed(out var providerId) || !WebRead.Allowed(RevokeCompletionEndpoint.Before(User))) return StatusCode(403);
        var command = new RevokeCompletion(reason);
        var problem = RevokeCompletionEndpoint.Validate(command);
        if (WebRead.Allowed(problem))
        {
            var result = await RevokeCompletionEndpoint.Post(completionId, command, User, store, clock, logger, ct);
            if (result is not ProblemHttpResult failed) return RedirectToPage(new { done = "The completion is revoked; it stays in the history, marked revoked." });
            problem = failed.ProblemDetails;
        }
        UploadErrors = Messages(problem);
        Response.StatusCode = problem.Status ?? 400;
        return await Show(providerId, null, null, null, null, ct);
    }

    private bool Allowed(out Guid providerId)
    {
        providerId = User.ProviderId() ?? Guid.Empty;
        return User.ProviderId() is not null && WebRead.Allowed(GetProviderCompletionsEndpoint.Before(User, providerId));
    }

    private async Task<IActionResult> Show(Guid providerId, string? course, string? since, string? until, string? page, CancellationToken ct)
    {
        (Course, Since, Until) = (course, since, until);
        if (GetProviderCompletionsEndpoint.Validate(since, until, page, null) is HttpValidationProblemDetails invalid)
        {
            FilterErrors = invalid.Errors;
            (since, until, page) = (null, null, null);
        }
        Completions = WebRead.Value<ProviderCompletionPage>(
            await GetProviderCompletionsEndpoint.Get(providerId, since, until, course, page, null, session, ct));
        return Completions is null ? NotFound() : Page();
    }

    public static IReadOnlyList<string> Messages(object? problem) => problem switch
    {
        HttpValidationProblemDetails invalid => invalid.Errors.SelectMany(e => e.Value).ToList(),
        ProblemDetails details => [details.Detail ?? details.Title ?? "The request failed."],
        _ => []
    };

    public string PageLink(int page) => Url.Page("/Provider/Index", new { course = Course, since = Since, until = Until, page })!;
}

using Microsoft.AspNetCore.Http;

namespace PmoLedger.Infrastructure;

/// <summary>Collects field errors for a command and turns them into one RFC 9457 answer.</summary>
public sealed class Problems
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public Problems Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
        return this;
    }

    public Problems Required(string field, object? value)
    {
        if (value is null || value is string s && string.IsNullOrWhiteSpace(s)) Add(field, $"'{field}' is required.");
        return this;
    }

    public Problems MaxLength(string field, string? value, int max)
    {
        if (value is not null && value.Length > max) Add(field, $"'{field}' must be at most {max} characters.");
        return this;
    }

    public Problems NotInFuture(string field, DateOnly? value, DateOnly today)
    {
        if (value is { } v && v > today) Add(field, $"'{field}' may not be in the future (today is {today:yyyy-MM-dd}).");
        return this;
    }

    /// <summary>Parses a required vocabulary value, naming the allowed values when it is unknown.</summary>
    public T Enum<T>(string field, string? text, bool required = true) where T : struct, System.Enum
    {
        if (text is null)
        {
            if (required) Add(field, $"'{field}' is required.");
            return default;
        }
        if (WireNames.TryParse<T>(text, out var value)) return value;
        Add(field, $"'{text}' is not a known {field}; use one of: {WireNames.Allowed<T>()}.");
        return default;
    }

    public Problems Url(string field, string? value)
    {
        if (value is null) return this;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            Add(field, $"'{field}' must be an absolute http(s) URL.");
        return MaxLength(field, value, 2000);
    }

    public bool Any => _errors.Count > 0;

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(x => x.Key, x => x.Value.ToArray());

    /// <summary>WolverineContinue.NoProblems when valid, so a Validate method can return this directly.</summary>
    public ProblemDetails ToProblem() => Any
        ? new HttpValidationProblemDetails(Errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid",
            Detail = "See 'errors' for the fields to correct. Nothing was recorded."
        }
        : WolverineContinue.NoProblems;

    public static ProblemDetails Forbidden(string detail) =>
        new() { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = detail };

    public static ProblemDetails NotFound(string detail) =>
        new() { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = detail };

    public static ProblemDetails Conflict(string detail) =>
        new() { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = detail };

    /// <summary>The body was the JSON literal null (or empty): nothing to validate.</summary>
    public static ProblemDetails MissingBody => BadRequest("body", "A JSON object is required as the request body.");

    public static ProblemDetails BadRequest(string field, string message) => new Problems().Add(field, message).ToProblem();
}

using Microsoft.AspNetCore.Mvc.RazorPages;
using PmoLedger.Features.Cpd;
using PmoLedger.Features.Practitioners;

namespace PmoLedger.Web.Pages.Me;

/// <summary>The CPD form as typed: kept as text so a wrong value comes back exactly as entered.</summary>
public sealed class CpdForm
{
    public string? Category { get; set; }
    public string? Points { get; set; }
    public string? Title { get; set; }
    public string? Reflection { get; set; }
    public string? OccurredOn { get; set; }
    public string? EvidenceUrl { get; set; }

    /// <summary>The API's command, plus the fields that could not even be read as a number or a date.</summary>
    public (LogCpdActivity Command, Problems Unreadable) Parse()
    {
        var unreadable = new Problems();
        var points = WebWrite.ReadNumber(Points, "points", unreadable);
        var occurredOn = WebWrite.ReadDate(OccurredOn, "occurredOn", unreadable);
        return (new LogCpdActivity(Category, points, Title, Reflection, occurredOn, string.IsNullOrWhiteSpace(EvidenceUrl) ? null : EvidenceUrl.Trim()),
            unreadable);
    }
}

[WebAuthorize(Roles.Practitioner)]
public sealed class CpdModel(IQuerySession session, WebWrite write, TimeProvider clock) : PageModel
{
    public CpdLedgerView Ledger { get; private set; } = null!;
    public DateOnly Today { get; private set; }

    [BindProperty]
    public CpdForm Form { get; set; } = new();

    public IDictionary<string, string[]> Errors { get; private set; } = new Dictionary<string, string[]>();
    public bool Logged { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool logged, CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(GetCpdLedgerEndpoint.Before(User, id))) return StatusCode(403);
        Logged = logged;
        return await Show(id, ct);
    }

    /// <summary>The API route's own authorisation, validation and decision; only the input and the answer are HTML.</summary>
    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (WebRead.Me(User) is not { } id || !WebRead.Allowed(LogCpdActivityEndpoint.Before(User, id))) return StatusCode(403);
        var (command, unreadable) = Form.Parse();
        var validation = LogCpdActivityEndpoint.Validate(command, clock);
        Errors = WebWrite.Merge(validation, unreadable);
        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return await Show(id, ct);
        }

        var outcome = await write.OnPractitioner(User, id, _ => validation,
            practitioner =>
            {
                var (_, events, messages) = LogCpdActivityEndpoint.Post(command, practitioner, clock);
                return (events, messages);
            }, ct);
        if (!WebRead.Allowed(outcome))
        {
            Errors = WebWrite.Errors(outcome);
            Response.StatusCode = outcome.Status ?? StatusCodes.Status400BadRequest;
            return await Show(id, ct);
        }
        return RedirectToPage(new { logged = true });
    }

    private async Task<IActionResult> Show(Guid id, CancellationToken ct)
    {
        Today = clock.Today();
        var ledger = WebRead.Value<CpdLedgerView>(await GetCpdLedgerEndpoint.Get(id, null, session, ct));
        if (ledger is null) return NotFound();
        Ledger = ledger;
        return Page();
    }

    public string? ErrorOf(string field) => Errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    /// <summary>Points still to count in the period that contains today, overall and for the category with a minimum.</summary>
    public static (decimal Total, decimal Experience)? StillNeeded(CycleView cycle, DateOnly today)
    {
        var period = cycle.Periods.FirstOrDefault(p => p.Start <= today && today <= p.End);
        if (period is null) return null;
        var rules = CpdRuleSet.Named(cycle.RuleVersion);
        var experience = period.ByCategory.GetValueOrDefault(CpdCategory.ProfessionalExperience)?.Counted ?? 0;
        return (Math.Max(0, rules.PeriodMinimum - period.CountedPoints),
            Math.Max(0, rules.CategoryMinimums.GetValueOrDefault(CpdCategory.ProfessionalExperience) - experience));
    }
}

using System;
using System.Linq;
using FtpTools.Core.Paths;

namespace FtpTools.Core.Transfers;

/// <summary>
/// -Filter, -Include, -Exclude, -File and -Directory of <see cref="RemoteWalkOptions"/> as one predicate on an item's
/// name and kind. An item is yielded when it has the wanted kind, matches the filter, matches one include pattern
/// (when any is given) and matches no exclude pattern. A symbolic link has the kind of what it leads to, as for
/// Get-ChildItem: the caller finds that out (a round trip) only when <see cref="NeedsLinkTarget"/> says it matters.
/// </summary>
internal sealed class ItemFilter
{
    private readonly bool _filesOnly;
    private readonly bool _directoriesOnly;
    private readonly Wildcard? _filter;
    private readonly Wildcard[] _include;
    private readonly Wildcard[] _exclude;

    public ItemFilter(RemoteWalkOptions options)
    {
        var ignoreCase = !options.CaseSensitive;
        _filesOnly = options.FilesOnly;
        _directoriesOnly = options.DirectoriesOnly;
        _filter = string.IsNullOrEmpty(options.Filter) ? null : new Wildcard(options.Filter!, ignoreCase);
        _include = (options.Include ?? Array.Empty<string>()).Where(p => !string.IsNullOrEmpty(p)).Select(p => new Wildcard(p, ignoreCase)).ToArray();
        _exclude = (options.Exclude ?? Array.Empty<string>()).Where(p => !string.IsNullOrEmpty(p)).Select(p => new Wildcard(p, ignoreCase)).ToArray();
    }

    /// <summary>True when <paramref name="item"/> is a link whose name matches and whose kind alone decides.</summary>
    public bool NeedsLinkTarget(RemoteItem item) =>
        item.Kind == RemoteItemKind.SymbolicLink && _filesOnly != _directoriesOnly && NameMatches(item);

    /// <param name="item">The item as listed.</param>
    /// <param name="leadsToDirectory">For a link: it leads to a directory (see <see cref="NeedsLinkTarget"/>).</param>
    public bool IsMatch(RemoteItem item, bool leadsToDirectory = false)
    {
        // -File and -Directory together ask for both kinds, so only one of them alone restricts.
        var directory = item.Kind == RemoteItemKind.Directory || (item.Kind == RemoteItemKind.SymbolicLink && leadsToDirectory);
        return (_filesOnly == _directoriesOnly || _directoriesOnly == directory) && NameMatches(item);
    }

    private bool NameMatches(RemoteItem item)
    {
        if (_filter is not null && !_filter.IsMatch(item.Name))
        {
            return false;
        }

        if (_include.Length > 0 && !_include.Any(w => w.IsMatch(item.Name)))
        {
            return false;
        }

        return !_exclude.Any(w => w.IsMatch(item.Name));
    }
}

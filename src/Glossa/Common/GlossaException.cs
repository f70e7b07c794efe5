namespace Glossa.Common;

/// <summary>
/// An error caused by the user's input (a file, a line, a sample, an option) rather than by a
/// bug. The CLI prints its message as one line and exits non-zero, without a stack trace, so the
/// message must name what is wrong and what to do.
/// </summary>
public sealed class GlossaException : Exception
{
    public GlossaException(string message) : base(message) { }
    public GlossaException(string message, Exception inner) : base(message, inner) { }
}

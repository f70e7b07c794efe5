namespace Glossa.Common;

/// <summary>
/// An output could not be written: the disk is full, the folder is read-only or not a folder, or
/// permission is denied. The CLI prints the message as one line and exits with its own code
/// (distinct from bad input), so scripts can tell "fix your data" from "free some space".
/// </summary>
public sealed class OutputException : Exception
{
    public OutputException(string message) : base(message) { }
    public OutputException(string message, Exception inner) : base(message, inner) { }
}

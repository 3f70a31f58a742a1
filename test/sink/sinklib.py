"""What the test sinks share: SUBSTR=VALUE options and the port file."""
import os


def pairs(values, conv):
    """[('SUBSTR', conv(VALUE)), ...] from repeated SUBSTR=VALUE options."""
    out = []
    for v in values or []:
        k, _, c = v.rpartition('=')
        out.append((k, conv(c)))
    return out


def write_port(path, port):
    """Writes the port atomically: a reader never sees a partial file."""
    if path:
        with open(path + '.tmp', 'w') as f:
            f.write('%d\n' % port)
        os.rename(path + '.tmp', path)

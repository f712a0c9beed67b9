package commands

// Reply encoding is resp.Writer's; these one-line forwarders keep the
// handlers' calls short; err also counts the client's errors. Every reply
// goes to the client's Writer, which the connection loop flushes once per
// pipeline batch.

func (c *client) ok()                        { c.w.OK() }
func (c *client) simple(s string)            { c.w.SimpleString(s) }
func (c *client) err(s string)               { c.w.Error(s); c.errs++; c.s.countError(s) }
func (c *client) integer(n int64)            { c.w.Int(n) }
func (c *client) bulk(b []byte)              { c.w.Bulk(b) }
func (c *client) bulkStr(s string)           { c.w.BulkString(s) }
func (c *client) array(n int)                { c.w.Array(n) }
func (c *client) queued()                    { c.w.Queued() }
func (c *client) emptyArray()                { c.w.EmptyArray() }
func (c *client) resp3() bool                { return c.w.Proto() == 3 }
func (c *client) verbatim(s string)          { c.w.Verbatim(s) }
func (c *client) null()                      { c.w.Null() }
func (c *client) nullArray()                 { c.w.NullArray() }
func (c *client) mapHeader(n int)            { c.w.Map(n) }
func (c *client) setHeader(n int)            { c.w.Set(n) }
func (c *client) boolean(b bool)             { c.w.Bool(b) }
func (c *client) double(f float64, bits int) { c.w.Double(f, bits) }
func (c *client) unsigned(u uint64)          { c.w.Uint64(u) }

//! ConfigMgr task sequence XML: import (bare `<sequence>` or console export zip) and export.

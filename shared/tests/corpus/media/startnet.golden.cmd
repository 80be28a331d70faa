wpeinit
@rem osdgate-launcher v1 begin (written by osdgate; preparing the image again replaces this block)
@echo off
set "OSDGATE_DIR="
set "OSDGATE_TRY=0"
:osdgate_find
for %%D in (C D E F G H I J K L M N O P Q R S T U V W Y Z) do if not defined OSDGATE_DIR if exist "%%D:\osdgate\media.json" set "OSDGATE_DIR=%%D:\osdgate"
if defined OSDGATE_DIR goto :osdgate_found
set /a OSDGATE_TRY+=1
if %OSDGATE_TRY% GEQ 30 goto :osdgate_missing
rem USB drives can appear a few seconds after wpeinit: wait a second (Windows PE has no timeout.exe) and look again.
ping -n 2 127.0.0.1 >nul
goto :osdgate_find
:osdgate_missing
echo osdgate: no drive holds \osdgate\media.json. Insert the osdgate USB stick, then run X:\Windows\System32\startnet.cmd again.
goto :osdgate_end
:osdgate_found
echo osdgate: medium found at %OSDGATE_DIR%
for %%R in ("%OSDGATE_DIR%\roots\running\*.reg") do (
  reg import "%%~fR" >nul 2>&1
  if errorlevel 1 (echo osdgate: WARNING: reg import of %%~nxR failed; connections to the gateway may not be trusted) else (echo osdgate: trusted roots imported from %%~nxR)
)
if not exist "%OSDGATE_DIR%\osdgate-agent.exe" (
  echo osdgate: %OSDGATE_DIR%\osdgate-agent.exe is missing; build the medium again.
  goto :osdgate_end
)
"%OSDGATE_DIR%\osdgate-agent.exe" --media "%OSDGATE_DIR%\media.json"
echo osdgate: the agent exited with code %ERRORLEVEL%
:osdgate_end
@rem osdgate-launcher v1 end
